import { Type as t } from '@sinclair/typebox';
import { BasaltError } from '../core/index.js';
import { type AnyEndpoint, get } from '../http/index.js';

/** A named readiness probe (database reachable, queue reachable, ...). */
export interface ReadinessProbe {
  name: string;
  probe: () => void | Promise<void>;
}

const Status = t.Object({ status: t.String(), checks: t.Optional(t.Record(t.String(), t.String())) });

/** `/health/live` (the process answers) and `/health/ready` (its dependencies answer). */
export function healthRoutes(probes: readonly ReadinessProbe[], isStopping: () => boolean): AnyEndpoint[] {
  return [
    get('/health/live', { hidden: true, response: Status }, () => ({ status: 'ok' })),
    get('/health/ready', { hidden: true, response: { 200: Status, 503: Status } }, async () => {
      if (isStopping())
        throw new BasaltError('BASALT_HTTP_SERVICE_UNAVAILABLE', 'The server is shutting down', {
          expose: true,
        });
      const checks: Record<string, string> = {};
      let ready = true;
      await Promise.all(
        probes.map(async ({ name, probe }) => {
          try {
            await probe();
            checks[name] = 'ok';
          } catch (error) {
            ready = false;
            checks[name] = (error as Error).message;
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
          { expose: true },
        );
      }
      return { status: 'ok', checks };
    }),
  ];
}
