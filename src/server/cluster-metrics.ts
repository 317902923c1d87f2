import cluster, { type Worker } from 'node:cluster';

// The metrics module's side channel under `basalt start`: a worker that is scraped asks the
// primary, which gathers every worker's registry through prom-client's own cluster protocol
// (AggregatorRegistry) and answers the summed text.

/** A worker asks the primary for the node's metrics (worker → primary). */
const REQUEST = 'basalt:metrics-request';
/** The node's metrics, or why not (primary → worker). */
const RESPONSE = 'basalt:metrics-response';

/** How long a worker waits for the primary to gather every worker's figures, ms. */
const GATHER_TIMEOUT_MS = 5000;

function isMessage(message: unknown, type: string): message is { type: string; id: number } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

let nextRequest = 0;

/** Asks the primary for every worker's figures, summed (from a worker under `basalt start`). */
export function askPrimaryForMetrics(): Promise<string> {
  const id = ++nextRequest;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('The primary did not gather the metrics in time'));
    }, GATHER_TIMEOUT_MS);
    const onMessage = (message: unknown) => {
      if (!isMessage(message, RESPONSE) || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      const answer = message as { text?: unknown; error?: unknown };
      if (typeof answer.text === 'string') resolve(answer.text);
      else reject(new Error(String(answer.error ?? 'The primary could not gather the metrics')));
    };
    process.on('message', onMessage);
    process.send?.({ type: REQUEST, id });
  });
}

/**
 * In the primary: answers workers' requests for the node's metrics. prom-client is loaded on
 * the first request (an app without the metrics module never asks). Returns the listener to
 * remove with `cluster.off('message', …)`.
 */
export function answerMetricsRequests(): (worker: Worker, message: unknown) => void {
  let aggregator: Promise<{ clusterMetrics(): Promise<string> }> | undefined;
  const listener = (worker: Worker, message: unknown) => {
    if (!isMessage(message, REQUEST)) return;
    aggregator ??= import('prom-client').then((m) => {
      const prom = (m.default ?? m) as typeof import('prom-client');
      return new prom.AggregatorRegistry();
    });
    aggregator
      .then((registry) => registry.clusterMetrics())
      .then(
        (text) => worker.send({ type: RESPONSE, id: message.id, text }, () => {}),
        (error: unknown) =>
          worker.send(
            { type: RESPONSE, id: message.id, error: error instanceof Error ? error.message : String(error) },
            () => {},
          ),
      );
  };
  cluster.on('message', listener);
  return listener;
}
