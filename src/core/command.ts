/** An option of a CLI command, parsed with node:util parseArgs. */
export interface CommandOption {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  default?: string | boolean;
  multiple?: boolean;
}

/** What a command receives when it runs. */
export interface CommandContext<App> {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  /** Loads the user's app (found through --app, package.json or a conventional file). */
  loadApp(overrides?: Record<string, unknown>): Promise<App>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/** A `basalt <name>` command. Capabilities and user modules contribute their own. */
export interface Command<App = unknown> {
  name: string;
  summary: string;
  /** Usage of positionals, e.g. `<file>`. */
  usage?: string;
  description?: string;
  options?: Record<string, CommandOption>;
  /** Returns the exit code (0 when omitted). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that returns nothing (void) exits 0
  run(context: CommandContext<App>): Promise<number | undefined | void> | number | undefined | void;
}
