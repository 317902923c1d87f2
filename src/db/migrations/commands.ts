import { createInterface } from 'node:readline/promises';
import type { CommandContext } from '../../core/index.js';
import type { DatabaseCommand, DatabaseCommandApp } from '../command-app.js';
import type { ModelMeta } from '../meta.js';
import type { RenameOptions } from './autodetector.js';
import { connectForMigrations, dialectOf } from './connect.js';
import { MigrationError } from './errors.js';
import { loadMigrations, migrationsPath } from './loader.js';
import { makeMigrations } from './makemigrations.js';
import { createMigrationRunner } from './runner.js';
import { migrationSql } from './sqlmigrate.js';

type Ctx = CommandContext<DatabaseCommandApp>;

function folderOf(app: DatabaseCommandApp, cwd: string): string {
  return migrationsPath(app.definition.migrations ?? 'migrations', cwd);
}

function modelsOf(app: DatabaseCommandApp): { meta: ModelMeta }[] {
  const all = [...new Set(app.modules.flatMap((m) => m.models ?? []))];
  return all.filter((m): m is { meta: ModelMeta } => typeof m === 'object' && m !== null && 'meta' in m);
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function parsePairs(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const [from, to] = v.split('=');
    if (!from || !to)
      throw new MigrationError('BASALT_MIGRATION_INVALID', `--${flag} expects old=new, got '${v}'`);
    out[from] = to;
  }
  return out;
}

const makemigrations: DatabaseCommand = {
  name: 'makemigrations',
  summary: 'Write the next migration from the changes to the models',
  usage: '[name]',
  description:
    'Compares the models with the state of the migration history and writes the next numbered\n' +
    'migration file. A field (or model) removed and added with the same definition may be a rename:\n' +
    'you are asked when stdin is a terminal, or say so with --rename / --rename-model.',
  options: {
    check: {
      type: 'boolean',
      description: 'Write nothing; exit 1 when the models have changes without a migration',
    },
    'dry-run': { type: 'boolean', description: 'Print the migration instead of writing it' },
    rename: { type: 'string', multiple: true, description: 'A field rename: --rename book.name=title' },
    'rename-model': {
      type: 'string',
      multiple: true,
      description: 'A model rename: --rename-model author=writer',
    },
    interactive: { type: 'boolean', description: 'Ask about renames (default when stdin is a terminal)' },
    'no-input': { type: 'boolean', description: 'Never ask; unconfirmed renames become remove + add' },
  },
  run: async (ctx) => {
    const app = await ctx.loadApp();
    const fields: Record<string, string> = {};
    for (const [from, to] of Object.entries(parsePairs(list(ctx.values.rename), 'rename'))) {
      if (!from.includes('.'))
        throw new MigrationError(
          'BASALT_MIGRATION_INVALID',
          `--rename expects model.field=new, got '${from}=${to}'`,
        );
      fields[from] = to.includes('.') ? to.split('.').pop()! : to;
    }
    const renames: RenameOptions = {
      fields,
      models: parsePairs(list(ctx.values['rename-model']), 'rename-model'),
    };
    const interactive =
      ctx.values['no-input'] !== true &&
      ctx.values.check !== true &&
      (ctx.values.interactive === true ||
        (ctx.values.interactive === undefined && process.stdin.isTTY === true));
    const rl = interactive ? createInterface({ input: process.stdin, output: ctx.stdout }) : undefined;
    if (rl) {
      renames.ask = async (q) => /^y(es)?$/i.test((await rl.question(`${q} `)).trim());
      renames.askFill = async (model, field) => {
        const q = `${model}.${field} is NOT NULL without a default. Value for the rows already there (JSON; empty for none): `;
        const text = (await rl.question(q)).trim();
        if (text === '') return undefined;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return text;
        }
      };
    }
    renames.warn = (message) => ctx.stdout.write(`Warning: ${message}\n`);
    try {
      const write = ctx.values.check !== true && ctx.values['dry-run'] !== true;
      const name = ctx.positionals[0];
      const result = await makeMigrations({
        folder: folderOf(app, ctx.cwd),
        models: modelsOf(app),
        write,
        ...(name ? { name } : {}),
        renames,
      });
      if (result.operations.length === 0) {
        ctx.stdout.write('No changes detected\n');
        return 0;
      }
      const summary = result.operations.map((o) => `  - ${o.describe()}\n`).join('');
      if (ctx.values.check === true) {
        ctx.stdout.write(`Models have changes without a migration (${result.name}):\n${summary}`);
        ctx.stdout.write("Run 'basalt makemigrations' and commit the file.\n");
        return 1;
      }
      if (!write) {
        ctx.stdout.write(`// ${result.name}.ts\n${result.source}`);
        return 0;
      }
      ctx.stdout.write(`Created ${result.file}\n${summary}`);
      return 0;
    } finally {
      rl?.close();
    }
  },
};

async function withRunner<T>(
  app: DatabaseCommandApp,
  ctx: Ctx,
  body: (runner: ReturnType<typeof createMigrationRunner>) => Promise<T>,
): Promise<T> {
  const migrations = await loadMigrations(folderOf(app, ctx.cwd));
  const { kysely, dialect } = connectForMigrations(String(app.config.DATABASE_URL));
  try {
    const log = (line: string) => ctx.stdout.write(`${line}\n`);
    return await body(createMigrationRunner({ kysely, dialect, migrations, log }));
  } finally {
    await kysely.destroy();
  }
}

const migrate: DatabaseCommand = {
  name: 'migrate',
  summary: 'Apply pending migrations, or migrate back to a named one',
  usage: '[target]',
  description:
    'Applies pending migrations in order, each in its own transaction, under a lock so two\n' +
    "processes never apply the same migration. 'basalt migrate 0003_x' unapplies what came after\n" +
    "0003_x; 'basalt migrate zero' unapplies everything.",
  run: async (ctx) => {
    const app = await ctx.loadApp();
    const target = ctx.positionals[0];
    const result = await withRunner(app, ctx, (runner) => runner.migrate(target));
    if (result.applied.length + result.unapplied.length === 0) ctx.stdout.write('No migrations to apply\n');
    else ctx.stdout.write(`Applied ${result.applied.length}, unapplied ${result.unapplied.length}\n`);
    return 0;
  },
};

const showmigrations: DatabaseCommand = {
  name: 'showmigrations',
  summary: 'List migrations, [X] when applied',
  run: async (ctx) => {
    const app = await ctx.loadApp();
    const status = await withRunner(app, ctx, (runner) => runner.status());
    if (status.length === 0) ctx.stdout.write('No migrations\n');
    for (const s of status) ctx.stdout.write(`[${s.applied ? 'X' : ' '}] ${s.name}\n`);
    return 0;
  },
};

const sqlmigrate: DatabaseCommand = {
  name: 'sqlmigrate',
  summary: 'Print the SQL of a migration without touching a database',
  usage: '<name>',
  options: {
    dialect: { type: 'string', description: 'sqlite or postgres (default: the DATABASE_URL dialect)' },
    backwards: { type: 'boolean', description: 'Print the SQL that unapplies the migration' },
  },
  run: async (ctx) => {
    const name = ctx.positionals[0];
    if (!name)
      throw new MigrationError(
        'BASALT_MIGRATION_INVALID',
        'Usage: basalt sqlmigrate <name> [--dialect sqlite|postgres]',
      );
    const app = await ctx.loadApp();
    const given = ctx.values.dialect;
    if (given !== undefined && given !== 'sqlite' && given !== 'postgres')
      throw new MigrationError(
        'BASALT_MIGRATION_INVALID',
        `--dialect must be sqlite or postgres, got '${String(given)}'`,
      );
    const dialect = given ?? dialectOf(String(app.config.DATABASE_URL));
    const migrations = await loadMigrations(folderOf(app, ctx.cwd));
    ctx.stdout.write(migrationSql(migrations, name, dialect, { backwards: ctx.values.backwards === true }));
    return 0;
  },
};

/** The migration commands (`makemigrations`, `migrate`, `showmigrations`, `sqlmigrate`) for the CLI. */
export const migrationCommands: DatabaseCommand[] = [makemigrations, migrate, showmigrations, sqlmigrate];
