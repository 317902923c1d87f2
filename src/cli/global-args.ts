import { UsageError } from './usage-error.js';

/** The part of a command line before and including the command name. */
export interface GlobalArgs {
  command?: string;
  /** Arguments after the command name, for the command's own parser. */
  rest: string[];
  app?: string;
  help: boolean;
  version: boolean;
}

function appAfterCommand(rest: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--') break;
    if (arg === '--app') found = rest[++i];
    else if (arg.startsWith('--app=')) found = arg.slice('--app='.length);
  }
  return found;
}

/** Splits `basalt [--app f] [-h] <command> [args]` into global flags, the command and its arguments. */
export function parseGlobalArgs(argv: readonly string[]): GlobalArgs {
  const result: GlobalArgs = { rest: [], help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') result.help = true;
    else if (arg === '--version' || arg === '-v') result.version = true;
    else if (arg === '--app') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError("Option '--app <file>' needs a value.");
      result.app = value;
    } else if (arg.startsWith('--app=')) result.app = arg.slice('--app='.length);
    else if (arg.startsWith('-')) {
      throw new UsageError(
        `Unknown option '${arg}' before the command. Run 'basalt --help' to list commands.`,
      );
    } else {
      result.command = arg;
      result.rest = argv.slice(i + 1);
      // `basalt greet --app x.ts`: the app is needed before the command (maybe the app's own) is known.
      result.app = appAfterCommand(result.rest) ?? result.app;
      break;
    }
  }
  return result;
}
