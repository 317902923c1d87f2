import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BasaltError } from '../core/internal.js';
import { compiledAppFile } from './compiled-app.js';

/** Where the app file was found. */
export interface FoundApp {
  /** Absolute path of the app file. */
  file: string;
  /** How it was found: `--app`, `BASALT_APP`, `package.json` or `convention`. */
  via: '--app' | 'BASALT_APP' | 'package.json' | 'convention';
}

/** What app discovery looks at. */
export interface FindAppOptions {
  cwd: string;
  /** The `--app` flag, if given. */
  flag?: string;
  env: Record<string, string | undefined>;
}

/** Files tried, in order, when nothing names the app. */
export const CONVENTIONAL_APP_FILES = ['app.ts', 'src/app.ts', 'app.js', 'src/app.js'] as const;

const FIX =
  'Fix it with one of:\n' +
  '  - basalt <command> --app path/to/app.ts\n' +
  '  - BASALT_APP=path/to/app.ts basalt <command>\n' +
  '  - "basalt": { "app": "./src/app.ts" } in package.json\n' +
  '  - an app.ts (or src/app.ts) whose default export is defineApp({ ... })';

function missing(where: string, file: string): BasaltError {
  return new BasaltError('BASALT_APP_NOT_FOUND', `${where} names ${file}, which does not exist.\n${FIX}`);
}

function packageJsonApp(cwd: string, looked: string[]): string | undefined {
  const path = join(cwd, 'package.json');
  if (!existsSync(path)) {
    looked.push(`${path}: no such file`);
    return undefined;
  }
  let app: unknown;
  try {
    app = (JSON.parse(readFileSync(path, 'utf8')) as { basalt?: { app?: unknown } }).basalt?.app;
  } catch (error) {
    looked.push(`${path}: not valid JSON (${(error as Error).message})`);
    return undefined;
  }
  if (typeof app !== 'string') {
    looked.push(`${path}: no "basalt": { "app": ... } entry`);
    return undefined;
  }
  return app;
}

/** An app file is there when its source is, or when only its `basalt build` output is (an image). */
function present(cwd: string, file: string): boolean {
  return existsSync(file) || compiledAppFile(cwd, file) !== undefined;
}

/**
 * Finds the app file: the `--app` flag, else the BASALT_APP variable, else `"basalt": { "app" }`
 * in package.json, else the first of app.ts, src/app.ts, app.js, src/app.js. Throws
 * BASALT_APP_NOT_FOUND naming every place looked at.
 */
export function findAppFile(options: FindAppOptions): FoundApp {
  const { cwd, flag, env } = options;
  if (flag) {
    const file = resolve(cwd, flag);
    if (!present(cwd, file)) throw missing('--app', file);
    return { file, via: '--app' };
  }
  const looked = ['--app flag: not given'];
  const fromEnv = env.BASALT_APP;
  if (fromEnv) {
    const file = resolve(cwd, fromEnv);
    if (!present(cwd, file)) throw missing('BASALT_APP', file);
    return { file, via: 'BASALT_APP' };
  }
  looked.push('BASALT_APP environment variable: not set');
  const fromPackage = packageJsonApp(cwd, looked);
  if (fromPackage !== undefined) {
    const file = resolve(cwd, fromPackage);
    if (!present(cwd, file)) throw missing(`${join(cwd, 'package.json')} "basalt.app"`, file);
    return { file, via: 'package.json' };
  }
  for (const name of CONVENTIONAL_APP_FILES) {
    const file = join(cwd, name);
    if (present(cwd, file)) return { file, via: 'convention' };
    looked.push(`${file}: no such file`);
  }
  throw new BasaltError(
    'BASALT_APP_NOT_FOUND',
    `No Basalt app found. Looked at:\n${looked.map((place) => `  - ${place}`).join('\n')}\n${FIX}`,
  );
}
