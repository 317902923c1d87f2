import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { BasaltApp } from '../../../src/app/index.js';
import type { CommandContext } from '../../../src/core/index.js';
import { isBasaltError } from '../../../src/core/index.js';
import type { ModelMeta } from '../../../src/db/meta.js';
import { migrationCommands } from '../../../src/db/migrations/commands.js';

/** Where migration files written by the tests import their helpers from. */
export const IMPORT_FROM = fileURLToPath(new URL('../../../src/db/migrations/index.ts', import.meta.url));

/** The parts of a created app the migration commands read. */
export function fakeApp(folder: string, url: string, models: { meta: ModelMeta }[]): BasaltApp {
  return {
    definition: { migrations: folder },
    config: { DATABASE_URL: url },
    modules: [{ models }],
  } as unknown as BasaltApp;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs a migration command as the CLI would; returns its exit code and output. */
export async function runCommand(
  app: BasaltApp,
  name: string,
  positionals: string[] = [],
  values: CommandContext<BasaltApp>['values'] = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = migrationCommands.find((c) => c.name === name);
  if (!command) throw new Error(`no command ${name}`);
  const out = sink();
  const err = sink();
  // biome-ignore lint/suspicious/noConfusingVoidType: what Command.run returns
  let code: number | undefined | void;
  try {
    code = await command.run({
      values,
      positionals,
      loadApp: async () => app,
      stdout: out.stream,
      stderr: err.stream,
      cwd: process.cwd(),
    });
  } catch (error) {
    // As runCli does: a BasaltError is a message and exit code 1, anything else a crash.
    if (!isBasaltError(error)) throw error;
    err.stream.write(`basalt: ${error.message}\n[${error.code}]\n`);
    code = 1;
  }
  return { code: code ?? 0, stdout: out.text(), stderr: err.text() };
}
