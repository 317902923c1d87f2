import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationFiles } from './loader.js';
import type { Operation } from './operation.js';

/** What {@link renderMigration} needs. */
export interface RenderOptions {
  dependencies: string[];
  operations: readonly Operation[];
  /** Module the migration imports its helpers from. */
  importFrom?: string;
}

/** The TypeScript source of a migration file. */
export function renderMigration(options: RenderOptions): string {
  const names = [...new Set(['defineMigration', ...options.operations.map((o) => o.type)])].sort();
  const body = options.operations.map((o) => `    // ${o.describe()}\n    ${o.toCode()},`).join('\n');
  const deps = options.dependencies.map((d) => `'${d}'`).join(', ');
  return [
    `import { ${names.join(', ')} } from '${options.importFrom ?? 'basalt/db'}';`,
    '',
    'export default defineMigration({',
    `  dependencies: [${deps}],`,
    '  operations: [',
    body,
    '  ],',
    '});',
    '',
  ].join('\n');
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
}

/** The file name (without extension) of the next migration in a folder. */
export function nextMigrationName(folder: string, operations: readonly Operation[], name?: string): string {
  const files = migrationFiles(folder);
  const last = files[files.length - 1];
  const number = last ? Number(last.name.slice(0, 4)) + 1 : 1;
  let suffix = name ? slug(name) : '';
  if (!suffix) {
    if (!last) suffix = 'initial';
    else if (operations.length === 1) suffix = slug(operations[0]!.describe());
    else {
      const d = new Date().toISOString();
      suffix = `auto_${d.slice(0, 10).replace(/-/g, '')}_${d.slice(11, 16).replace(':', '')}`;
    }
  }
  return `${String(number).padStart(4, '0')}_${suffix}`;
}

/** Writes a migration file and returns its path. */
export function writeMigration(folder: string, name: string, source: string): string {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${name}.ts`);
  writeFileSync(file, source, { flag: 'wx' });
  return file;
}
