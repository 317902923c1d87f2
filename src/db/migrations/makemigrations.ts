import { readFileSync } from 'node:fs';
import type { ModelMeta } from '../meta.js';
import type { RenameOptions } from './autodetector.js';
import { detectChanges } from './autodetector.js';
import { loadMigrations, migrationFiles } from './loader.js';
import { applyMigrationState } from './migration.js';
import type { Operation } from './operation.js';
import type { ProjectState } from './state.js';
import { emptyState, stateFromModels } from './state.js';
import { nextMigrationName, renderMigration, writeMigration } from './writer.js';

/** Options of {@link makeMigrations}. */
export interface MakeMigrationsOptions {
  /** Absolute path of the migrations folder. */
  folder: string;
  /** The app's models, as declared now. */
  models: readonly { meta: ModelMeta }[];
  /** Name suffix of the new file (`add_isbn` → `0003_add_isbn.ts`). */
  name?: string;
  renames?: RenameOptions;
  /** Write nothing (for `--check` and `--dry-run`). */
  write?: boolean;
  /** Module migration files import their helpers from (default: as the newest file does, else `basalt/db`). */
  importFrom?: string;
}

/** What {@link makeMigrations} found (and wrote). */
export interface MakeMigrationsResult {
  operations: Operation[];
  /** `0003_add_isbn`, or `null` when there are no changes. */
  name: string | null;
  source: string | null;
  /** The written file, when written. */
  file: string | null;
}

/** The project state at the end of a migration history. */
export async function historyState(folder: string): Promise<{ state: ProjectState; last: string | null }> {
  const migrations = await loadMigrations(folder);
  let state = emptyState();
  for (const m of migrations) state = applyMigrationState(m, state);
  const files = migrationFiles(folder);
  return { state, last: files[files.length - 1]?.name ?? null };
}

/** The module the newest migration file imports `defineMigration` from, so new files match it. */
function previousImport(folder: string): string | undefined {
  const files = migrationFiles(folder);
  const last = files[files.length - 1];
  if (!last) return undefined;
  const match = /import\s*\{[^}]*\bdefineMigration\b[^}]*\}\s*from\s*'([^']+)'/.exec(
    readFileSync(last.file, 'utf8'),
  );
  return match?.[1];
}

/** Diffs the models against the migration history and writes the next migration file. */
export async function makeMigrations(options: MakeMigrationsOptions): Promise<MakeMigrationsResult> {
  const { state, last } = await historyState(options.folder);
  const operations = await detectChanges(state, stateFromModels(options.models), options.renames);
  if (operations.length === 0) return { operations, name: null, source: null, file: null };
  const name = nextMigrationName(options.folder, operations, options.name);
  const importFrom = options.importFrom ?? previousImport(options.folder);
  const source = renderMigration({
    dependencies: last ? [last] : [],
    operations,
    ...(importFrom ? { importFrom } : {}),
  });
  const file = options.write === false ? null : writeMigration(options.folder, name, source);
  return { operations, name, source, file };
}
