import type { BuiltinCommand } from '../cli-context.js';
import { integerValue, stringValue } from '../option-values.js';

/** `basalt start`: the production server. */
export const startCommand: BuiltinCommand = {
  name: 'start',
  summary: 'Run the production server: N worker processes sharing one port',
  description:
    'A primary process forks the workers, replaces any that crash, and on SIGTERM or SIGINT lets\n' +
    'in-flight requests finish (up to SHUTDOWN_TIMEOUT seconds) before exiting. --workers 1 runs one\n' +
    'worker process under the primary, so a crash is still restarted.',
  options: {
    workers: { type: 'string', short: 'w', description: 'Worker processes (default: WORKERS, one per CPU)' },
    port: { type: 'string', short: 'p', description: 'TCP port (default: PORT, 3000)' },
    host: { type: 'string', description: 'Interface to listen on (default: HOST, 127.0.0.1)' },
  },
  async run(context) {
    const workers = integerValue(context.values, 'workers', { min: 1 });
    const port = integerValue(context.values, 'port', { min: 0, max: 65535 });
    const host = stringValue(context.values, 'host');
    const { file } = context.findApp();
    const { runServer } = await import('../../server/index.js');
    return runServer({ appFile: file, workers, port, host, cwd: context.cwd, env: context.env });
  },
};
