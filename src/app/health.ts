import { Type as t } from '@sinclair/typebox';
import { BasaltError } from '../core/index.js';
import { type AnyEndpoint, get } from '../http/index.js';
import { DEFAULT_SERVICE_TIMEOUT_MS, withinServiceTimeout } from '../internal/service-errors.js';

/** A named readiness probe (database reachable, queue reachable, ...). */
export interface ReadinessProbe {
  name: string;
  probe: () => void | Promise<void>;
}

const Status = t.Object({ status: t.String(), checks: t.Optional(t.Record(t.String(), t.String())) });

/**
 * `/health/live` (the process answers) and `/health/ready` (its dependencies answer). Each
 * probe gets `timeoutMs`: a service that does not answer counts as down, never hangs the check.
 */
export function healthRoutes(
  probes: readonly ReadinessProbe[],
  isStopping: () => boolean,
  timeoutMs = DEFAULT_SERVICE_TIMEOUT_MS,
): AnyEndpoint[] {
  return [
    get('/health/live', { hidden: true, rateLimit: false, response: Status }, () => ({ status: 'ok' })),
    get(
      '/health/ready',
      { hidden: true, rateLimit: false, response: { 200: Status, 503: Status } },
      async () => {
        if (isStopping())
          throw new BasaltError('BASALT_HTTP_SERVICE_UNAVAILABLE', 'The server is shutting down', {
            expose: true,
          });
        const checks: Record<string, string> = {};
        let ready = true;
        await Promise.all(
          probes.map(async ({ name, probe }) => {
            try {
              await withinServiceTimeout(
                name,
                timeoutMs,
                Promise.resolve().then(() => probe()),
              );
              checks[name] = 'ok';
            } catch (error) {
              ready = false;
              checks[name] = describe(error);
            }
          }),
        );
        if (!ready) {
          throw new BasaltError(
            'BASALT_HTTP_SERVICE_UNAVAILABLE',
            `Not ready: ${Object.entries(checks)
              .filter(([, v]) => v !== 'ok')
              .map(([k, v]) => `${k}: ${v}`)
              .join('; ')}`,
            { expose: true, headers: { 'retry-after': '5' } },
          );
        }
        return { status: 'ok', checks };
      },
    ),
  ];
}

/** A probe's failure in a few words: the driver's own message, else its code. */
function describe(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const own = error instanceof Error ? error.message : String(error);
  // A timeout's 503 wraps the reason; show the reason.
  if (cause instanceof Error && own.endsWith('try again shortly')) return cause.message;
  const code = (error as { code?: unknown })?.code;
  return own || (typeof code === 'string' ? code : 'unavailable');
}
