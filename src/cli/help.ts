import type { CommandOption } from '../core/index.js';
import type { AnyCommand } from './cli-context.js';
import { COMMON_OPTIONS } from './parse-command-args.js';

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

function optionLabel(name: string, option: CommandOption): string {
  const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}`;
  const placeholder = ({ out: 'file', app: 'file', workers: 'n' } as Record<string, string>)[name] ?? name;
  return option.type === 'string' ? `${flag} <${placeholder}>` : flag;
}

/** `basalt <command> --help`. */
export function formatCommandHelp(command: AnyCommand): string {
  const options = { ...(command.options ?? {}), ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([name, option]): [string, string] => [
    optionLabel(name, option),
    option.default !== undefined && option.default !== false
      ? `${option.description} (default: ${String(option.default)})`
      : option.description,
  ]);
  const usage = `Usage: basalt ${command.name}${command.usage ? ` ${command.usage}` : ''} [options]`;
  const about = [command.summary, command.description].filter(Boolean).join('\n\n');
  return `${usage}\n\n${about}\n\nOptions:\n${table(rows)}\n`;
}

/** What `basalt --help` lists besides the built-in commands. */
export interface AppCommandsListing {
  appName?: string;
  commands: readonly Pick<AnyCommand, 'name' | 'summary'>[];
  /** Why the app's commands are not listed (no app found, app failed to load). */
  unavailable?: string;
}

/** `basalt --help`: every command, built-in and from the app's modules. */
export function formatGeneralHelp(builtins: readonly AnyCommand[], app: AppCommandsListing): string {
  const lines = [
    'Usage: basalt <command> [options]',
    '',
    'Commands:',
    table(builtins.map((c) => [c.name, c.summary])),
    '',
  ];
  if (app.commands.length > 0) {
    lines.push(
      `Commands from the app${app.appName ? ` (${app.appName})` : ''}:`,
      table(app.commands.map((c) => [c.name, c.summary])),
      '',
    );
  } else if (app.unavailable) {
    lines.push(`Commands from the app are not listed: ${app.unavailable}`, '');
  }
  lines.push(
    'Global options:',
    table([
      ['--app <file>', 'The app file'],
      ['-h, --help', "Show help; basalt <command> --help shows a command's options"],
      ['-v, --version', 'Show the version of Basalt'],
    ]),
    '',
    'Finding the app: --app, else $BASALT_APP, else "basalt": { "app": ... } in package.json,',
    'else app.ts, src/app.ts, app.js or src/app.js. Its default export must be defineApp({ ... }).',
    '',
  );
  return lines.join('\n');
}
