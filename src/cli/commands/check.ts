import { formatCheckMessages } from '../../core/internal.js';
import type { BuiltinCommand } from '../cli-context.js';

/** `basalt check`: the start-up checks, without starting. */
export const checkCommand: BuiltinCommand = {
  name: 'check',
  summary: "Run the app's start-up checks; exit 1 if any reports an error",
  description:
    'Errors would stop basalt start; warnings and info are advice. With NODE_ENV=production\nthey include the production risks. --deploy runs the deployment checks: also those that\nneed live services (database, Redis) and the stricter ones (console mail is an error).',
  options: {
    deploy: { type: 'boolean', description: 'Run the deployment checks (live services, stricter findings)' },
  },
  async run(context) {
    const app = await context.loadApp();
    const messages = await app.check({ deploy: context.values.deploy === true });
    context.stdout.write(`${formatCheckMessages(messages)}\n`);
    return messages.some((message) => message.level === 'error') ? 1 : 0;
  },
};
