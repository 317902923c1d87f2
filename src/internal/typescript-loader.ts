import { extname } from 'node:path';

const LOADER = Symbol.for('basalt.typescriptLoader');
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

type LoaderState = { [LOADER]?: true | Promise<void> };

/** True when a file needs a TypeScript loader to be imported (`.ts`, `.mts`, `.cts`, `.tsx`). */
export function isTypeScriptFile(file: string): boolean {
  return TYPESCRIPT.has(extname(file));
}

/**
 * Makes `import()` of the app's TypeScript files work in this process: registers tsx's ESM
 * hooks once (no child process, no flags). A compiled app never calls it; a process that
 * already has a loader (the repository's source loader, `node --import tsx`, Vitest's own
 * transform of the caller) is left as it is.
 */
export async function ensureTypeScriptLoader(): Promise<void> {
  const state = globalThis as LoaderState;
  const current = state[LOADER];
  if (current === true) return;
  if (current) return current;
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (/--(import|loader|require)[ =]\S*tsx/.test(flags)) {
    state[LOADER] = true;
    return;
  }
  const pending = import('tsx/esm/api').then(({ register }) => {
    register();
    state[LOADER] = true;
  });
  state[LOADER] = pending;
  return pending;
}

/** Imports a file of the app, registering the TypeScript loader first when the file needs one. */
export async function importAppModule<T = unknown>(url: string | URL, file?: string): Promise<T> {
  const path = file ?? (typeof url === 'string' ? url : url.pathname);
  if (isTypeScriptFile(path)) await ensureTypeScriptLoader();
  return (await import(typeof url === 'string' ? url : url.href)) as T;
}

/**
 * Node flags for a child process that runs Basalt's own code the way this process does: in
 * the repository, the source loader (`--import scripts/source-loader.mjs`); installed, none.
 */
export function childExecArgv(): string[] {
  const loader = (globalThis as { [key: symbol]: unknown })[Symbol.for('basalt.sourceLoader')];
  const own = [...process.execArgv];
  if (typeof loader === 'string' && !own.some((arg) => arg.includes('source-loader')))
    own.push('--import', loader);
  return own;
}
