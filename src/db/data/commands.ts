import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandContext } from '../../core/index.js';
import type { DatabaseCommand, DatabaseCommandApp } from '../command-app.js';
import type { Database } from '../database.js';
import { dumpData } from './dump.js';
import { FixtureError } from './errors.js';
import type { Fixture } from './fixture.js';
import { loadData } from './load.js';
import { shellCommands } from './shells.js';

type Ctx = CommandContext<DatabaseCommandApp>;

/** Runs `body` with the app's database, stopping the app afterwards (the CLI reports a thrown BasaltError and exits 1). */
async function withDatabase(
  ctx: Ctx,
  name: string,
  body: (db: Database) => Promise<number>,
): Promise<number> {
  const app = await ctx.loadApp();
  try {
    if (!app.db) {
      ctx.stderr.write(`${name}: the app declares no models, so it has no database\n`);
      return 1;
    }
    return await body(app.db);
  } finally {
    await app.stop();
  }
}

const dumpdata: DatabaseCommand = {
  name: 'dumpdata',
  summary: 'Write the rows of every model (or the ones named) as a JSON fixture',
  usage: '[model ...]',
  description:
    'Prints a Django-style fixture ([{ "model", "pk", "fields" }]) that loaddata reads back;\n' +
    'e.g. basalt dumpdata author book --output fixtures/catalogue.json.',
  options: {
    output: { type: 'string', short: 'o', description: 'Write to this file instead of stdout' },
    indent: { type: 'string', description: 'Spaces of indentation (default 2; 0 for one line)' },
  },
  run: (ctx) =>
    withDatabase(ctx, 'dumpdata', async (db) => {
      const indent = ctx.values.indent === undefined ? 2 : Number(ctx.values.indent);
      if (!Number.isInteger(indent) || indent < 0 || indent > 10) {
        ctx.stderr.write(
          `dumpdata: --indent expects a number from 0 to 10, got '${String(ctx.values.indent)}'\n`,
        );
        return 1;
      }
      const fixtures = await dumpData(db, { models: ctx.positionals });
      const text = `${JSON.stringify(fixtures, null, indent || undefined)}\n`;
      const output = ctx.values.output;
      if (typeof output === 'string') {
        await writeFile(resolve(ctx.cwd, output), text);
        ctx.stderr.write(`Dumped ${fixtures.length} records to ${output}\n`);
      } else ctx.stdout.write(text);
      return 0;
    }),
};

interface FixtureFile {
  file: string;
  offset: number;
  count: number;
}

async function readFixtures(ctx: Ctx): Promise<{ records: Fixture[]; files: FixtureFile[] } | string> {
  const records: Fixture[] = [];
  const files: FixtureFile[] = [];
  for (const file of ctx.positionals) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(resolve(ctx.cwd, file), 'utf8'));
    } catch (error) {
      return `${file}: ${(error as Error).message}`;
    }
    if (!Array.isArray(parsed)) return `${file}: a fixture must be a JSON array of records`;
    files.push({ file, offset: records.length, count: parsed.length });
    records.push(...(parsed as Fixture[]));
  }
  return { records, files };
}

const loaddata: DatabaseCommand = {
  name: 'loaddata',
  summary: 'Load JSON fixtures into the database (rows with the same pk are overwritten)',
  usage: '<file ...>',
  description:
    'Validates every record, then writes all files in one transaction, keeping primary keys;\n' +
    'a bad record names its file, position, model, pk and field, and nothing is written.',
  run: (ctx) =>
    withDatabase(ctx, 'loaddata', async (db) => {
      if (ctx.positionals.length === 0) {
        ctx.stderr.write('Usage: basalt loaddata <file ...>\n');
        return 1;
      }
      const read = await readFixtures(ctx);
      if (typeof read === 'string') {
        ctx.stderr.write(`loaddata: ${read}\n`);
        return 1;
      }
      try {
        const result = await loadData(db, read.records);
        const n = read.files.length;
        ctx.stdout.write(`Installed ${result.count} object(s) from ${n} fixture${n === 1 ? '' : 's'}\n`);
        return 0;
      } catch (error) {
        if (!(error instanceof FixtureError) || error.index === undefined) throw error;
        const index = error.index;
        const from = read.files.find((f) => index >= f.offset && index < f.offset + f.count);
        if (!from) throw error;
        const message = error.message.replace(`record #${index}`, `record #${index - from.offset}`);
        ctx.stderr.write(`loaddata: ${from.file}: ${message}\n`);
        return 1;
      }
    }),
};

/** The data commands: `dumpdata`, `loaddata` and `dbshell`. */
export const dataCommands: DatabaseCommand[] = [dumpdata, loaddata, ...shellCommands];
