import type { AppCommand, BasaltApp } from '../app/index.js';
import type { CommandContext } from '../core/index.js';
import type { FoundApp } from './find-app.js';

/** Where `runCli` reads and writes. Everything defaults to the current process. */
export interface CliOptions {
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Environment used to find the app and configure it; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

/** The context built-in commands get: a command context plus the environment and app discovery. */
export interface CliContext extends CommandContext<BasaltApp> {
  env: Record<string, string | undefined>;
  /** Finds the app file without importing it (`--app`, BASALT_APP, package.json, conventional files). */
  findApp(): FoundApp;
}

/** A command shipped with Basalt; it may use the wider {@link CliContext}. */
export interface BuiltinCommand extends Omit<AppCommand, 'run'> {
  run(context: CliContext): Promise<number | undefined> | number | undefined;
}

/** A built-in or app-contributed command. */
export type AnyCommand = BuiltinCommand | AppCommand;
