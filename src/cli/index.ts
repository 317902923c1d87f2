export type { CliOptions } from './cli-context.js';
export { defineCommand } from './define-command.js';
export { runCli } from './run-cli.js';
