import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** The file `basalt build` writes into its output folder, listing what it compiled. */
export const BUILD_MANIFEST = '.basalt-build.json';

/** The default output folder of `basalt build`, relative to the project. */
export const DEFAULT_OUT_DIR = 'dist';

/** Environment variables that tell a process (and its workers) it runs a compiled app. */
export const BUILD_ENV = { root: 'BASALT_BUILD_ROOT', outDir: 'BASALT_BUILD_OUT' } as const;

/** One compiled file: its source and output, relative to the project root (forward slashes). */
export interface BuiltFile {
  source: string;
  output: string;
  /** The source's size and modification time when it was compiled. */
  size: number;
  mtimeMs: number;
}

/** What `basalt build` wrote. */
export interface BuildManifest {
  version: 1;
  basalt: string;
  outDir: string;
  files: BuiltFile[];
}

/** True for a path `basalt build` compiles (`.ts`, `.mts`, `.cts`, `.tsx`). */
export function isTypeScriptPath(path: string): boolean {
  return /\.(m|c)?tsx?$/.test(path) && !/\.d\.(m|c)?ts$/.test(path);
}

/** Maps a source path to the path `basalt build` writes for it (`app.ts` → `app.js`). */
export function outputName(source: string): string {
  return source.replace(/\.(m|c)?tsx?$/, (_match, kind: string | undefined) =>
    kind === 'm' ? '.mjs' : kind === 'c' ? '.cjs' : '.js',
  );
}

/** Reads the manifest of a build in `outDir` (absolute), or undefined when there is none. */
export function readBuildManifest(outDir: string): BuildManifest | undefined {
  const file = join(outDir, BUILD_MANIFEST);
  if (!existsSync(file)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as BuildManifest;
    return manifest.version === 1 && Array.isArray(manifest.files) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Sources of a build that changed (or vanished) since it was made; `missing` counts those gone. */
export function staleSources(root: string, manifest: BuildManifest): { changed: string[]; missing: number } {
  const changed: string[] = [];
  let missing = 0;
  for (const file of manifest.files) {
    const path = join(root, file.source);
    if (!existsSync(path)) {
      missing++;
      continue;
    }
    const stat = statSync(path);
    if (stat.size !== file.size || Math.trunc(stat.mtimeMs) !== Math.trunc(file.mtimeMs))
      changed.push(file.source);
  }
  return { changed, missing };
}

function inside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !path.startsWith(sep) && !path.includes(`..${sep}`));
}

/**
 * The compiled twin of a project folder or file when this process runs a compiled app
 * (`BASALT_BUILD_ROOT`/`BASALT_BUILD_OUT` set by the CLI): `<root>/migrations` →
 * `<root>/dist/migrations`. Undefined when the process runs from source or there is no twin.
 */
export function compiledTwin(
  path: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const root = env[BUILD_ENV.root];
  const outDir = env[BUILD_ENV.outDir];
  if (!root || !outDir) return undefined;
  const absolute = resolve(path);
  if (!inside(root, absolute) || inside(outDir, absolute)) return undefined;
  const twin = join(outDir, outputName(relative(root, absolute)));
  return existsSync(twin) ? twin : undefined;
}
