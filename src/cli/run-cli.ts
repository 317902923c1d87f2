import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppDefinition, type BasaltApp, createApp } from '../app/index.js';
import { isBasaltError } from '../core/index.js';
import { importAppDefinition } from '../server/internal.js';
import type { AnyCommand, CliContext, CliOptions } from './cli-context.js';
import { BUILTIN_COMMANDS } from './commands/index.js';
import { type FoundApp, findAppFile } from './find-app.js';
import { parseGlobalArgs } from './global-args.js';
import { formatCommandHelp, formatGeneralHelp } from './help.js';
import { parseCommandArgs } from './parse-command-args.js';
import { UsageError } from './usage-error.js';

function version(): string {
  const path = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * Runs the `basalt` command line and resolves with its exit code: 0 on success, 1 when the
 * command failed, 2 for a usage mistake (unknown command or flag).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const created: BasaltApp[] = [];
  let appFlag: string | undefined;
  let definition: AppDefinition | undefined;
  let defaultApp: Promise<BasaltApp> | undefined;

  const findApp = (): FoundApp => findAppFile({ cwd, flag: appFlag, env });
  const loadDefinition = async () => {
    definition ??= await importAppDefinition(findApp().file);
    return definition;
  };
  const createOne = async (overrides?: Record<string, unknown>) => {
    const app = await createApp(await loadDefinition(), {
      env,
      envFile: join(cwd, '.env'),
      overrides,
      // stdout stays clean for command output (`basalt openapi --out -`).
      logger: { destination: { write: (line: string) => void stderr.write(line) } },
    });
    created.push(app as BasaltApp);
    return app as BasaltApp;
  };
  const loadApp = (overrides?: Record<string, unknown>) => {
    if (overrides) return createOne(overrides);
    defaultApp ??= createOne();
    return defaultApp;
  };

  try {
    const global = parseGlobalArgs(argv);
    appFlag = global.app;
    if (global.version) {
      stdout.write(`basalt ${version()}\n`);
      return 0;
    }
    if (!global.command) {
      let listing: Parameters<typeof formatGeneralHelp>[1] = { commands: [] };
      try {
        const app = await loadApp();
        listing = { appName: app.definition.name, commands: app.commands };
      } catch (error) {
        listing = { commands: [], unavailable: firstLine(error) };
      }
      const help = formatGeneralHelp(BUILTIN_COMMANDS, listing);
      if (global.help) {
        stdout.write(help);
        return 0;
      }
      stderr.write(help);
      return 2;
    }
    let command: AnyCommand | undefined = BUILTIN_COMMANDS.find((c) => c.name === global.command);
    if (!command) {
      let note = '';
      try {
        command = (await loadApp()).commands.find((c) => c.name === global.command);
      } catch (error) {
        note = `\n(The app's own commands could not be checked: ${firstLine(error)})`;
      }
      if (!command)
        throw new UsageError(
          `Unknown command '${global.command}'. Run 'basalt --help' to list commands.${note}`,
        );
    }
    const { values, positionals } = parseCommandArgs(command, global.rest);
    if (typeof values.app === 'string') appFlag = values.app;
    if (values.help || global.help) {
      stdout.write(formatCommandHelp(command));
      return 0;
    }
    const context: CliContext = { values, positionals, loadApp, stdout, stderr, cwd, env, findApp };
    return (await command.run(context)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`basalt: ${error.message}\n`);
      return 2;
    }
    if (isBasaltError(error)) {
      stderr.write(`basalt: ${error.message}\n[${error.code}]\n`);
      return 1;
    }
    stderr.write(`basalt: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await Promise.allSettled(created.map((app) => app.stop()));
  }
}
