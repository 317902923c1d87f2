export type { AnyCommand, BuiltinCommand, CliContext, CliOptions } from './cli-context.js';
export { BUILTIN_COMMANDS } from './commands/index.js';
export { defineCommand } from './define-command.js';
export { CONVENTIONAL_APP_FILES, type FindAppOptions, type FoundApp, findAppFile } from './find-app.js';
export { runCli } from './run-cli.js';
