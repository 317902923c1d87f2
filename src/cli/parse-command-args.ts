import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CommandOption } from '../core/index.js';
import type { AnyCommand } from './cli-context.js';
import { UsageError } from './usage-error.js';

/** Options every command accepts besides its own. */
export const COMMON_OPTIONS: Record<string, CommandOption> = {
  app: { type: 'string', description: 'The app file (see "Finding the app" in basalt --help)' },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
};

/** What a command line parses to. */
export interface ParsedCommandArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses a command's arguments with node:util parseArgs; mistakes become a {@link UsageError}. */
export function parseCommandArgs(command: AnyCommand, args: readonly string[]): ParsedCommandArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, option] of Object.entries({ ...(command.options ?? {}), ...COMMON_OPTIONS })) {
    options[name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.default !== undefined ? { default: option.default } : {}),
    } as NonNullable<ParseArgsConfig['options']>[string];
  }
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: command.usage !== undefined,
      strict: true,
    });
    return { values: parsed.values as ParsedCommandArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    const valid =
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `\nValid options: ${Object.keys(options)
            .map((name) => `--${name}`)
            .join(', ')}.`
        : '';
    throw new UsageError(`${message}${valid}\nRun 'basalt ${command.name} --help' for their descriptions.`);
  }
}
