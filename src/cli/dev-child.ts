// The entry point of a `basalt dev` child. It starts as a standby: Node, the TypeScript loader
// and Basalt's own modules load while the previous child still serves. On "go" it imports the
// app (fresh: the standby never loaded the project's files) and creates it while the previous
// child stops; on "listen" (the port is free) it listens. A restart then costs little more
// than the app's own modules.
import { type BasaltApp, createApp } from '../app/index.js';
import { isBasaltError } from '../core/index.js';
import { ensureTypeScriptLoader } from '../internal/typescript-loader.js';
import { importAppDefinition, WORKER_ENV } from '../server/internal.js';
import { DEV_GO, DEV_LISTEN, DEV_PREPARED, DEV_READY, DEV_STANDBY } from './dev-messages.js';

const waiting = new Map<string, () => void>();
process.on('message', (message: { type?: unknown } | null) => {
  const type = typeof message?.type === 'string' ? message.type : '';
  waiting.get(type)?.();
  waiting.delete(type);
});
const signal = (type: string) => new Promise<void>((resolveSignal) => waiting.set(type, resolveSignal));
const go = signal(DEV_GO);
const listen = signal(DEV_LISTEN);

let app: BasaltApp | undefined;
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // Development has no requests worth waiting long for.
  setTimeout(() => process.exit(0), 1_000).unref();
  Promise.resolve(app?.stop()).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The runner is gone: do not linger.
process.on('disconnect', stop);

// Warm the module cache with what nearly every app imports; the app's imports then hit it.
await Promise.all([
  ensureTypeScriptLoader(),
  import('../http/index.js'),
  import('../db/index.js'),
  import('../auth/index.js'),
  import('../rest/index.js'),
  import('../jobs/index.js'),
  import('../storage/index.js'),
]);
process.send?.({ type: DEV_STANDBY });
await go;
const cpuAtGo = process.cpuUsage();
try {
  app = await createApp(await importAppDefinition(process.env[WORKER_ENV.appFile] ?? ''));
  process.send?.({ type: DEV_PREPARED });
  await listen;
  if (!stopping) await app.listen();
  const cpu = process.cpuUsage(cpuAtGo);
  process.send?.({ type: DEV_READY, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
} catch (error) {
  const text = isBasaltError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
  process.stderr.write(`basalt: the app failed to start: ${text}\n`);
  process.exit(1);
}
