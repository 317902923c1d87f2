import type { BuiltinCommand } from '../cli-context.js';
import { runDev } from '../dev-runner.js';
import { integerValue, stringValue } from '../option-values.js';

/** `basalt dev`: run the app and restart it when a file changes. */
export const devCommand: BuiltinCommand = {
  name: 'dev',
  summary: 'Run the app in development, restarting it when a file changes',
  description:
    "Runs the app in one child process (NODE_ENV=development unless set) and watches the app's\n" +
    'directory and src/ (not node_modules, .git, data or dist).',
  options: {
    port: { type: 'string', short: 'p', description: 'TCP port (default: PORT, 3000)' },
    host: { type: 'string', description: 'Interface to listen on (default: HOST, 127.0.0.1)' },
  },
  run(context) {
    const port = integerValue(context.values, 'port', { min: 0, max: 65535 });
    const host = stringValue(context.values, 'host');
    const { file } = context.findApp();
    return runDev({
      appFile: file,
      cwd: context.cwd,
      env: context.env,
      stdout: context.stdout,
      stderr: context.stderr,
      port,
      host,
    });
  },
};
