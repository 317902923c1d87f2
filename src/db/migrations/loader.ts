import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledTwin } from '../../internal/build-output.js';
import { importAppModule } from '../../internal/typescript-loader.js';
import { MigrationError } from './errors.js';
import type { NamedMigration } from './migration.js';
import { isMigration } from './migration.js';

const FILE = /^(\d{4}_[A-Za-z0-9_]+)\.(ts|mts|js|mjs)$/;

/** A folder given as a path or a file URL, as an absolute path. */
export function migrationsPath(folder: string | URL, cwd = process.cwd()): string {
  const path =
    folder instanceof URL || folder.startsWith('file:')
      ? fileURLToPath(folder)
      : join(folder.startsWith('/') ? '' : cwd, folder);
  // A compiled app (`basalt build`) reads the compiled migrations, not the TypeScript ones.
  return compiledTwin(path) ?? path;
}

/** Migration file names in a folder (`0001_initial`), sorted; an absent folder has none. */
export function migrationFiles(folder: string): { name: string; file: string }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => !f.endsWith('.d.ts'))
    .map((f) => FILE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, file: join(folder, m[0]) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Orders migrations so each comes after its dependencies (ties by name). */
export function orderMigrations(migrations: readonly NamedMigration[]): NamedMigration[] {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: NamedMigration[] = [];
  const visit = (m: NamedMigration) => {
    if (done.has(m.name)) return;
    if (visiting.has(m.name))
      throw new MigrationError(
        'BASALT_MIGRATION_INVALID',
        `Migration ${m.name} depends on itself through a cycle`,
      );
    visiting.add(m.name);
    for (const dep of m.dependencies) {
      const d = byName.get(dep);
      if (!d)
        throw new MigrationError(
          'BASALT_MIGRATION_INVALID',
          `Migration ${m.name} depends on ${dep}, which does not exist`,
        );
      visit(d);
    }
    visiting.delete(m.name);
    done.add(m.name);
    out.push(m);
  };
  for (const m of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) visit(m);
  return out;
}

/** Imports every migration file of a folder, in dependency order. */
export async function loadMigrations(folder: string | URL): Promise<NamedMigration[]> {
  const loaded: NamedMigration[] = [];
  for (const { name, file } of migrationFiles(migrationsPath(folder))) {
    let mod: { default?: unknown };
    try {
      mod = await importAppModule<{ default?: unknown }>(pathToFileURL(file), file);
    } catch (cause) {
      throw new MigrationError(
        'BASALT_MIGRATION_INVALID',
        `Migration ${name} failed to load: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (!isMigration(mod.default))
      throw new MigrationError(
        'BASALT_MIGRATION_INVALID',
        `Migration ${name} must default-export defineMigration({...})`,
      );
    loaded.push({ ...mod.default, name });
  }
  return orderMigrations(loaded);
}
