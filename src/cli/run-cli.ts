import { join } from 'node:path';
import type { AppDefinition, BasaltApp } from '../app/index.js';
import { isBasaltError } from '../core/internal.js';
import type { AnyCommand, CliContext, CliOptions } from './cli-context.js';
import { appFingerprint, readCommandCache, writeCommandCache } from './command-cache.js';
import { BUILTIN_COMMANDS } from './commands/index.js';
import { type RunnableApp, resolveRunnableApp } from './compiled-app.js';
import { type FoundApp, findAppFile } from './find-app.js';
import { parseGlobalArgs } from './global-args.js';
import { formatCommandHelp, formatGeneralHelp } from './help.js';
import { parseCommandArgs } from './parse-command-args.js';
import { UsageError } from './usage-error.js';
import { basaltVersion } from './version.js';

/** Commands that serve or change production state run the compiled app (`basalt build`). */
const PREFERS_BUILD = new Set(['start', 'worker', 'migrate']);

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
  let commandName: string | undefined;
  let definition: AppDefinition | undefined;
  let defaultApp: Promise<BasaltApp> | undefined;
  let runnable: (FoundApp & { app: RunnableApp }) | undefined;

  // The app file a command runs: its TypeScript source, or the `basalt build` output.
  const findApp = (): FoundApp => {
    if (!runnable) {
      const found = findAppFile({ cwd, flag: appFlag, env });
      const prefer = commandName && PREFERS_BUILD.has(commandName) ? 'compiled' : 'source';
      const app = resolveRunnableApp(found.file, { cwd, env, prefer });
      if (app.note) stderr.write(`basalt: ${app.note}\n`);
      // Workers and the migration loader read where the build is from the environment.
      for (const [key, value] of Object.entries(app.env)) {
        process.env[key] = value;
        env[key] = value;
      }
      runnable = { ...found, file: app.file, app };
    }
    return { file: runnable.file, via: runnable.via };
  };
  // The app layer (Fastify, Kysely, ...) is imported only by commands that need an app, so
  // `basalt --version`, `basalt new` and help outside a project stay cheap.
  const loadDefinition = async () => {
    if (!definition) {
      const { file } = findApp();
      const { importAppDefinition } = await import('../server/internal.js');
      definition = await importAppDefinition(file);
    }
    return definition;
  };
  const commandsOf = async (loaded: AppDefinition) => (await import('../app/index.js')).appCommands(loaded);
  const createOne = async (overrides?: Record<string, unknown>) => {
    const { createApp } = await import('../app/index.js');
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
    commandName = global.command;
    if (global.version) {
      stdout.write(`basalt ${basaltVersion()}\n`);
      return 0;
    }
    if (!global.command) {
      let listing: Parameters<typeof formatGeneralHelp>[1] = { commands: [] };
      try {
        // The definition alone lists the commands: no configuration, no database; and when
        // no project file changed since the last listing, not even an import of the app.
        const fingerprint = appFingerprint(cwd, findApp().file, basaltVersion());
        const cached = readCommandCache(cwd, fingerprint);
        if (cached) listing = cached;
        else {
          const loaded = await loadDefinition();
          listing = { appName: loaded.name, commands: await commandsOf(loaded) };
          writeCommandCache(cwd, fingerprint, listing);
        }
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
        command = (await commandsOf(await loadDefinition())).find((c) => c.name === global.command);
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
