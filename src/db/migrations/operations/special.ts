import { MigrationError } from '../errors.js';
import type { Operation, RunCodeContext } from '../operation.js';

/** SQL for every dialect, or per dialect. */
export type DialectSql = string | string[] | { sqlite?: string | string[]; postgres?: string | string[] };

function pick(sql: DialectSql, dialect: 'sqlite' | 'postgres'): string[] {
  const chosen = typeof sql === 'string' || Array.isArray(sql) ? sql : sql[dialect];
  if (chosen === undefined) return [];
  return Array.isArray(chosen) ? chosen : [chosen];
}

function irreversible(what: string): never {
  throw new MigrationError(
    'BASALT_MIGRATION_IRREVERSIBLE',
    `${what} has no reverse, so it cannot be unapplied`,
  );
}

/**
 * Runs raw SQL (the escape hatch). Give `reverse` to make it reversible.
 *
 * @example
 * runSQL({ sqlite: "UPDATE book SET title = trim(title)", postgres: "UPDATE book SET title = btrim(title)" })
 */
export function runSQL(
  sql: DialectSql,
  options: { reverse?: DialectSql; description?: string } = {},
): Operation {
  const description = options.description ?? 'Raw SQL';
  return {
    type: 'runSQL',
    reversible: options.reverse !== undefined,
    describe: () => description,
    applyState() {},
    forwards(editor) {
      for (const s of pick(sql, editor.dialect)) editor.execute(s);
    },
    backwards(editor) {
      if (options.reverse === undefined) irreversible(`runSQL (${description})`);
      for (const s of pick(options.reverse, editor.dialect)) editor.execute(s);
    },
    toCode: () => '/* runSQL is written by hand */',
  };
}

/** A data-migration function. */
export type RunCodeFunction = (context: RunCodeContext) => Promise<void> | void;

/**
 * Runs a function in the migration's transaction (a data migration). Give `backwards` to make
 * it reversible; tables are reached through `ctx.db` (Kysely), never through the app's models.
 *
 * @example
 * runCode({ description: 'Copy name into title', forwards: async ({ db }) => { await db.updateTable('book').set({ title: sql`name` }).execute(); } })
 */
export function runCode(options: {
  forwards: RunCodeFunction;
  backwards?: RunCodeFunction;
  description?: string;
}): Operation {
  const description = options.description ?? 'Data migration';
  return {
    type: 'runCode',
    reversible: options.backwards !== undefined,
    describe: () => description,
    applyState() {},
    forwards(editor) {
      editor.runCode(description, options.forwards);
    },
    backwards(editor) {
      if (options.backwards === undefined) irreversible(`runCode (${description})`);
      editor.runCode(`${description} (backwards)`, options.backwards);
    },
    toCode: () => '/* runCode is written by hand */',
  };
}
