import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  BUILD_MANIFEST,
  type BuildManifest,
  type BuiltFile,
  DEFAULT_OUT_DIR,
  outputName,
} from '../internal/build-output.js';
import { buildStatic } from './build-static.js';
import { UsageError } from './usage-error.js';

/** What `buildApp` compiles and where it writes. */
export interface BuildAppOptions {
  /** The project folder (where package.json is). */
  root: string;
  /** Output folder, relative to `root`; `dist` by default. */
  outDir?: string;
  /** Basalt's version, recorded in the manifest. */
  basaltVersion: string;
}

/** What a build wrote. */
export interface BuildResult {
  outDir: string;
  files: number;
  /** Static files copied from `static/` (with their hashed twins). */
  staticFiles: number;
  /** References in static CSS files that name no file, left as written (see {@link buildStatic}). */
  staticWarnings: string[];
  ms: number;
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'test', 'tests', '__tests__', 'coverage']);
const SOURCE = /\.(m|c)?tsx?$/;
const NOT_APP_CODE =
  /(\.d\.(m|c)?ts|\.(test|spec|test-d)\.(m|c)?tsx?)$|^(vitest|vite|playwright)\.config\.(m|c)?ts$/;
// Relative specifiers ending in a TypeScript extension, in static imports/exports and import().
const TS_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*?)\.(m|c)?tsx?\2/g;

/** The project's TypeScript files that `basalt build` compiles (sorted absolute paths). */
export function sourceFiles(root: string, outDir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name) || path === outDir) continue;
        walk(path);
      } else if (entry.isFile() && SOURCE.test(entry.name) && !NOT_APP_CODE.test(entry.name)) {
        found.push(path);
      }
    }
  };
  walk(root);
  return found.sort();
}

/** The compiler options of the project's tsconfig.json that change how esbuild emits. */
function tsconfigRaw(root: string): { compilerOptions: Record<string, unknown> } {
  const file = join(root, 'tsconfig.json');
  if (!existsSync(file)) return { compilerOptions: {} };
  try {
    // tsconfig allows comments and trailing commas; a file that still does not parse is ignored.
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\/|(^|[^:"'])\/\/.*$/gm, '$1')
      .replace(/,(\s*[}\]])/g, '$1');
    const options = (JSON.parse(text) as { compilerOptions?: Record<string, unknown> }).compilerOptions ?? {};
    const kept: Record<string, unknown> = {};
    for (const key of [
      'experimentalDecorators',
      'emitDecoratorMetadata',
      'useDefineForClassFields',
      'verbatimModuleSyntax',
      'jsx',
      'jsxFactory',
      'jsxFragmentFactory',
      'jsxImportSource',
    ])
      if (key in options) kept[key] = options[key];
    return { compilerOptions: kept };
  } catch {
    return { compilerOptions: {} };
  }
}

function isModuleProject(root: string): boolean {
  try {
    return (
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type?: string }).type === 'module'
    );
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * Compiles a project's TypeScript to JavaScript, file by file (no bundling, same layout), into
 * `outDir`, so that production runs on plain node: every `.ts` outside node_modules, dot
 * folders, test folders and test files, with relative `.ts` import specifiers rewritten to
 * `.js` and a source map next to each file. Types are not checked (`tsc --noEmit` does that).
 * The output folder is emptied first; a manifest records each source's size and time, so the
 * CLI can tell a stale build. The project's `static/` folder is copied with content-hashed
 * names and a manifest (`dist/static/`).
 */
export async function buildApp(options: BuildAppOptions): Promise<BuildResult> {
  const started = performance.now();
  const root = resolve(options.root);
  const outDir = resolve(root, options.outDir ?? DEFAULT_OUT_DIR);
  const fromRoot = relative(root, outDir);
  if (fromRoot === '' || fromRoot.startsWith('..') || resolve(fromRoot) === fromRoot)
    throw new UsageError(
      `The output folder must be inside the project and not the project itself (got ${outDir}).`,
    );
  const esbuild = await import('esbuild');
  const raw = tsconfigRaw(root);
  const sources = sourceFiles(root, outDir);
  rmSync(outDir, { recursive: true, force: true });
  const built: BuiltFile[] = [];
  for (const file of sources) {
    const source = toPosix(relative(root, file));
    const output = outputName(source);
    const target = join(outDir, output);
    const code = readFileSync(file, 'utf8');
    const result = await esbuild.transform(code, {
      loader: file.endsWith('x') ? 'tsx' : 'ts',
      format: 'esm',
      target: 'node22',
      sourcemap: 'external',
      sourcefile: toPosix(relative(dirname(target), file)),
      tsconfigRaw: raw,
    });
    const js = result.code.replace(
      TS_SPECIFIER,
      (_match, before: string, quote: string, path: string, kind: string | undefined) =>
        `${before}${quote}${path}${kind === 'm' ? '.mjs' : kind === 'c' ? '.cjs' : '.js'}${quote}`,
    );
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${js}//# sourceMappingURL=${target.slice(dirname(target).length + 1)}.map\n`);
    writeFileSync(`${target}.map`, result.map);
    const stat = statSync(file);
    built.push({ source, output: toPosix(join(fromRoot, output)), size: stat.size, mtimeMs: stat.mtimeMs });
  }
  mkdirSync(outDir, { recursive: true });
  const manifest: BuildManifest = {
    version: 1,
    basalt: options.basaltVersion,
    outDir: toPosix(fromRoot),
    files: built,
  };
  writeFileSync(join(outDir, BUILD_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  // esbuild emits ESM: a project whose package.json does not say so gets a scope that does.
  if (!isModuleProject(root)) writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  const statics = buildStatic(root, outDir);
  return {
    outDir,
    files: built.length,
    staticFiles: statics.files,
    staticWarnings: statics.warnings,
    ms: performance.now() - started,
  };
}
