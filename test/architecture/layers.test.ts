import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The rules of "Layers" in docs/architecture.md, checked over every import of src/:
// - a capability (a folder of src/) imports another only through its `index.ts` (the public
//   face) or its `internal.ts` (names for Basalt's own capabilities); `src/internal/` is open
//   to all, and a capability's own files are free;
// - no import runs up the layer order written in docs/architecture.md;
// - `src/internal/` holds helpers owned by no capability: they import nothing above `core`.
// `declare module '../http/context.js'` augmentations are not imports and are not checked:
// TypeScript merges an interface only in the file that declares it.

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The file `src/index.ts` is the `basalt` package: it stands where `app` does. */
const PACKAGE = '(basalt)';
const INTERNAL = 'internal';

type Sources = ReadonlyMap<string, string>;

/** `core <- http, db <- app` → { core: 0, http: 1, db: 1, app: 2 }. */
function parseLayers(line: string): Map<string, number> {
  const layers = new Map<string, number>();
  line.split('<-').forEach((group, level) => {
    for (const name of group.split(',')) if (name.trim()) layers.set(name.trim(), level);
  });
  return layers;
}

function layerLine(architecture: string): string {
  const section = architecture.split(/^## /m).find((s) => s.startsWith('Layers'));
  const line = section?.split('\n').find((l) => l.includes('<-'));
  if (!line) throw new Error('docs/architecture.md has no layer line (a <- b <- c) under "## Layers"');
  return line;
}

const STATEMENT = /^\s*(?:import|export)\b[\w$*{},\s]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const SIDE_EFFECT = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import specifiers of a TypeScript file (comments and documentation examples left out). */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [STATEMENT, SIDE_EFFECT, DYNAMIC].flatMap((re) => [...code.matchAll(re)].map((m) => m[1]!));
}

/** `src/jobs/module.ts` → the file a specifier names, as a path under the repository; undefined when outside src/. */
function target(file: string, specifier: string): string | undefined {
  if (specifier === 'basalt') return 'src/index.ts';
  if (specifier.startsWith('basalt/')) return `src/${specifier.slice('basalt/'.length)}/index.ts`;
  if (!specifier.startsWith('.')) return undefined;
  const path = posix.join(posix.dirname(file), specifier).replace(/\.js$/, '.ts');
  return path.startsWith('src/') ? path : undefined;
}

function capabilityOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 2 ? PACKAGE : parts[1]!;
}

/** Every import of `sources` (path under the repository → text) that breaks a rule, one line each. */
function layerViolations(sources: Sources, layers: ReadonlyMap<string, number>): string[] {
  const levels = new Map(layers);
  if (levels.has('app')) levels.set(PACKAGE, levels.get('app')!);
  const found: string[] = [];
  const unplaced = new Set<string>();
  const levelOf = (capability: string) => {
    const level = levels.get(capability);
    if (level === undefined && capability !== INTERNAL) unplaced.add(capability);
    return level;
  };
  for (const [file, text] of sources) {
    const from = capabilityOf(file);
    const fromLevel = levelOf(from);
    for (const specifier of importsOf(text)) {
      const to = target(file, specifier);
      if (!to) continue;
      const into = capabilityOf(to);
      if (into === from) continue;
      const edge = `${file} -> ${to}`;
      if (from === INTERNAL) {
        if (into !== 'core') found.push(`${edge}: src/internal/ imports nothing above core`);
        continue;
      }
      if (into === INTERNAL) continue;
      const faces = [`src/${into}/index.ts`, `src/${into}/internal.ts`];
      if (into !== PACKAGE && !faces.includes(to))
        found.push(`${edge}: ${into} is imported through src/${into}/index.ts or internal.ts only`);
      const toLevel = levelOf(into);
      if (fromLevel !== undefined && toLevel !== undefined && toLevel > fromLevel)
        found.push(`${edge}: ${from} is below ${into}`);
    }
  }
  for (const capability of unplaced)
    found.push(`src/${capability}/ is in no layer of docs/architecture.md ("## Layers")`);
  return found;
}

function readSources(): Map<string, string> {
  const sources = new Map<string, string>();
  const entries = readdirSync(`${root}src`, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = posix.relative(root, `${entry.parentPath}/${entry.name}`.replaceAll('\\', '/'));
    sources.set(path, readFileSync(`${root}${path}`, 'utf8'));
  }
  return sources;
}

describe('layers', () => {
  const layers = parseLayers(layerLine(readFileSync(`${root}docs/architecture.md`, 'utf8')));

  it('reads the layer order from docs/architecture.md', () => {
    expect(layers.get('core')).toBe(0);
    expect(layers.get('db')).toBe(layers.get('http'));
    expect(layers.get('app')).toBeGreaterThan(layers.get('db')!);
    expect(layers.get('cli')).toBeGreaterThan(layers.get('rest')!);
  });

  it('every import of src/ points down the layers, into another capability through its index.ts or internal.ts', () => {
    const sources = readSources();
    expect(sources.size).toBeGreaterThan(100);
    const violations = layerViolations(sources, layers);
    expect(violations, `imports against docs/architecture.md "Layers":\n${violations.join('\n')}`).toEqual(
      [],
    );
  });

  describe('the checker', () => {
    const check = (files: Record<string, string>) => layerViolations(new Map(Object.entries(files)), layers);

    it("reports an import of another capability's file other than its index.ts or internal.ts", () => {
      expect(check({ 'src/storage/module.ts': "import { getJobs } from '../jobs/module.js';" })).toEqual([
        'src/storage/module.ts -> src/jobs/module.ts: jobs is imported through src/jobs/index.ts or internal.ts only',
      ]);
      expect(
        check({ 'src/app/create-app.ts': "import { migrationCommands } from '../db/migrations/index.js';" }),
      ).toEqual([
        'src/app/create-app.ts -> src/db/migrations/index.ts: db is imported through src/db/index.ts or internal.ts only',
      ]);
    });

    it('reports an import up the layers, type-only, re-exported or dynamic', () => {
      expect(
        check({
          'src/db/migrations/commands.ts': "import type { BasaltApp } from '../../app/index.js';",
          'src/http/server.ts': "export { resource } from '../rest/index.js';",
          'src/core/config.ts': "const db = await import('../db/index.js');",
        }),
      ).toEqual([
        'src/db/migrations/commands.ts -> src/app/index.ts: db is below app',
        'src/http/server.ts -> src/rest/index.ts: http is below rest',
        'src/core/config.ts -> src/db/index.ts: core is below db',
      ]);
    });

    it('reports an import through the package name as well as a relative one', () => {
      expect(check({ 'src/db/model.ts': "import { createApp } from 'basalt';" })).toEqual([
        'src/db/model.ts -> src/index.ts: db is below (basalt)',
      ]);
    });

    it('lets a capability import its own files, src/internal/, and a lower index.ts or internal.ts', () => {
      expect(
        check({
          'src/jobs/backends/database/notifier.ts': [
            "import { type Database, sql } from '../../../db/index.js';",
            "import { statementCacheOf } from '../../../db/internal.js';",
            "import type { ClaimedJob } from '../../job.js';",
          ].join('\n'),
          'src/testing/database.ts': "import { setRequestDatabase } from '../internal/request-database.js';",
          'src/index.ts': "export { createApp } from './app/index.js';",
        }),
      ).toEqual([]);
    });

    it('keeps src/internal/ below every capability', () => {
      expect(check({ 'src/internal/helper.ts': "import { createApp } from '../app/index.js';" })).toEqual([
        'src/internal/helper.ts -> src/app/index.ts: src/internal/ imports nothing above core',
      ]);
    });

    it('ignores imports written in comments and documentation examples', () => {
      const text =
        "/**\n * @example\n * import { x } from '../app/index.js';\n */\n// import '../app/index.js';\n";
      expect(check({ 'src/db/a.ts': text })).toEqual([]);
    });

    it('reports a folder of src/ that has no place in the layers', () => {
      expect(check({ 'src/graphql-lite/a.ts': "import { t } from '../http/index.js';" })).toEqual([
        'src/graphql-lite/ is in no layer of docs/architecture.md ("## Layers")',
      ]);
    });
  });
});
