// What every TechEmpower implementation shares, so that they differ only in the framework:
// the query-count rule, random ids, the extra fortune, sorting, the HTML template, and how
// a server starts (one process, or BENCH_WORKERS cluster workers).
import cluster from 'node:cluster';

/** A World row as every implementation answers it. */
export interface World {
  id: number;
  randomNumber: number;
}

/** A Fortune row. */
export interface Fortune {
  id: number;
  message: string;
}

/** The JSON test's message and the plaintext test's body. */
export const HELLO = 'Hello, World!';

/** The fortune every fortunes request adds before sorting (id 0). */
export const EXTRA_FORTUNE: Fortune = { id: 0, message: 'Additional fortune added at request time.' };

/** `text/html; charset=utf-8`, the fortunes test's content type. */
export const HTML = 'text/html; charset=utf-8';

/** A random World id, 1..10000. */
export function randomId(): number {
  return 1 + Math.floor(Math.random() * 10_000);
}

/** A random number for the updates test, 1..10000. */
export const randomNumber = randomId;

/**
 * The `queries` parameter as the specification reads it: an integer clamped to 1..500;
 * missing, empty or not an integer (`foo`, `2.5`) is 1.
 */
export function queryCount(raw: unknown): number {
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (typeof text !== 'string' || !/^\s*[+-]?\d+\s*$/.test(text)) return 1;
  const n = Number(text);
  return n < 1 ? 1 : n > 500 ? 500 : n;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c) : text;
}

/** Adds the request-time fortune and sorts by message (code-unit order), as the test requires. */
export function withExtraFortune(rows: readonly Fortune[]): Fortune[] {
  const all = [...rows, EXTRA_FORTUNE];
  all.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return all;
}

/** The fortunes page exactly as the specification lays it out, messages escaped. */
export function renderFortunes(fortunes: readonly Fortune[]): string {
  let rows = '';
  for (const f of fortunes) rows += `<tr><td>${f.id}</td><td>${escapeHtml(f.message)}</td></tr>`;
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${rows}</table></body></html>`;
}

/** Worker processes per implementation: BENCH_WORKERS (bench/run.js --workers), default 1. */
export const WORKERS = Math.max(1, Math.floor(Number(process.env.BENCH_WORKERS ?? 1)) || 1);

/** A started server: the port it listens on and how to stop it. */
export interface Started {
  port: number;
  stop: () => Promise<unknown>;
}

function onStopSignal(stop: () => Promise<unknown>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

/**
 * Runs `start` on PORT (0: any free port) in this process, or, with WORKERS > 1, in that many
 * node:cluster workers sharing the port; prints the line bench/lib/servers.js waits for once
 * every process listens, and stops them all on SIGTERM/SIGINT.
 */
export async function serve(name: string, start: (port: number) => Promise<Started>): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  if (WORKERS > 1 && cluster.isPrimary) {
    let listening = 0;
    let stopping = false;
    cluster.on('listening', (_worker, address) => {
      listening += 1;
      if (listening === WORKERS) console.log(`${name} listening on http://127.0.0.1:${address.port}`);
    });
    cluster.on('exit', (worker, code) => {
      if (stopping) return;
      console.error(`${name}: worker ${worker.process.pid} exited with code ${code}`);
      process.exit(1);
    });
    for (let i = 0; i < WORKERS; i += 1) cluster.fork();
    onStopSignal(async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map((w) => {
          const exited = new Promise((resolve) => w.once('exit', resolve));
          w.process.kill('SIGTERM');
          return exited;
        }),
      );
    });
    return;
  }
  const started = await start(port);
  // A worker stays quiet: the primary announces once all of them listen.
  if (!cluster.isWorker) console.log(`${name} listening on http://127.0.0.1:${started.port}`);
  onStopSignal(started.stop);
}
