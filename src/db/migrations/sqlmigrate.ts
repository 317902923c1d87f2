import { MigrationError } from './errors.js';
import type { NamedMigration } from './migration.js';
import { applyMigrationState, backwardSteps, forwardSteps } from './migration.js';
import { emptyState } from './state.js';

/**
 * The SQL a migration runs on a dialect, as a printable script; data migrations appear as
 * comments. Touches no database.
 */
export function migrationSql(
  migrations: readonly NamedMigration[],
  name: string,
  dialect: 'sqlite' | 'postgres',
  options: { backwards?: boolean } = {},
): string {
  const index = migrations.findIndex((m) => m.name === name || m.name.startsWith(`${name}_`));
  if (index < 0) throw new MigrationError('BASALT_MIGRATION_NOT_FOUND', `No migration named '${name}'`);
  let state = emptyState();
  for (const m of migrations.slice(0, index)) state = applyMigrationState(m, state);
  const migration = migrations[index]!;
  const steps = options.backwards
    ? backwardSteps(migration, state, dialect)
    : forwardSteps(migration, state, dialect);
  const lines = [`-- ${migration.name} (${options.backwards ? 'backwards' : 'forwards'}, ${dialect})`];
  if (dialect === 'sqlite') lines.push('PRAGMA foreign_keys = OFF;', 'BEGIN IMMEDIATE;');
  else lines.push('BEGIN;');
  for (const s of steps)
    lines.push(s.kind === 'sql' ? `${s.sql};` : `-- runCode: ${s.description} (JavaScript, not shown)`);
  if (dialect === 'sqlite') lines.push('PRAGMA foreign_key_check;', 'COMMIT;', 'PRAGMA foreign_keys = ON;');
  else lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}
