import type { AppCommand } from '../app/index.js';

/**
 * Declares a `basalt <name>` command for a module's `commands` (typed, no runtime effect).
 *
 * @example
 * export const greet = defineCommand({
 *   name: 'greet',
 *   summary: 'Say hello',
 *   options: { name: { type: 'string', description: 'Who to greet', default: 'world' } },
 *   run: ({ values, stdout }) => { stdout.write(`hello ${values.name}\n`); },
 * });
 */
export function defineCommand(command: AppCommand): AppCommand {
  return command;
}
