import { existsSync, type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Folders whose changes never restart `basalt dev`, wherever they are. */
export const IGNORED_DIRECTORIES: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  'data',
  'dist',
  'coverage',
  '.basalt',
]);

/** SQLite database files and their journals, written by the running app itself. */
const DATABASE_FILE = /\.(?:db|sqlite3?)(?:-wal|-shm|-journal)?$/;

/** What {@link WatchFilter} reads: the project folder and the environment (for storage URLs). */
export interface WatchFilterOptions {
  cwd: string;
  env: Record<string, string | undefined>;
}

/**
 * A `.gitignore` pattern as a regular expression over a path relative to the project, with
 * `/` separators: `*` and `?` stay within one segment, `**` spans any number, a pattern with
 * a `/` before its end is anchored to the project folder, one without matches at any depth,
 * and a match also covers everything under it.
 */
export function gitignorePattern(line: string): RegExp | undefined {
  let pattern = line.replace(/(?<!\\)\s+$/, '');
  if (!pattern || pattern.startsWith('#') || pattern.startsWith('!')) return undefined;
  pattern = pattern.replace(/\/+$/, '');
  const anchored = pattern.includes('/');
  pattern = pattern.replace(/^\/+/, '');
  if (!pattern) return undefined;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slashAfter = pattern[i + 2] === '/';
      source += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeChar(pattern[++i]!);
    else source += escapeChar(c);
  }
  return new RegExp(`${anchored ? '^' : '(?:^|/)'}${source}(?:/.*)?$`);
}

function escapeChar(c: string): string {
  return /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

/** Local folders named by the storage URLs of the environment (STORAGE_URL, STORAGE_<NAME>_URL). */
function storageRoots(cwd: string, env: Record<string, string | undefined>): string[] {
  const urls = Object.entries(env)
    .filter(([name]) => /^STORAGE_(?:[A-Z0-9_]+_)?URL$/.test(name))
    .map(([, url]) => url ?? '');
  // The default storage when STORAGE_URL is not set.
  if (!env.STORAGE_URL) urls.push('file:./media');
  return urls
    .filter((url) => url.startsWith('file:') && !url.startsWith('file://'))
    .map((url) => resolve(cwd, url.slice('file:'.length).replace(/\?.*$/, '')));
}

/**
 * Decides which changed files restart `basalt dev`. Ignored: {@link IGNORED_DIRECTORIES}, what
 * the project's `.gitignore` lists (negations are not supported: a `!pattern` line is skipped),
 * the local storage folders of STORAGE_URL and STORAGE_<NAME>_URL (default `./media`), and any
 * folder holding a `.basalt` folder, which marks a local storage root however it is configured
 * (an upload writes it before its file), and SQLite files (`*.db`, `*.sqlite`, their journals).
 */
export class WatchFilter {
  readonly #cwd: string;
  readonly #patterns: RegExp[];
  readonly #roots: string[];
  readonly #markers = new Map<string, boolean>();

  constructor(options: WatchFilterOptions) {
    this.#cwd = resolve(options.cwd);
    const gitignore = join(this.#cwd, '.gitignore');
    const lines = existsSync(gitignore) ? readFileSync(gitignore, 'utf8').split(/\r?\n/) : [];
    this.#patterns = lines.map(gitignorePattern).filter((p): p is RegExp => p !== undefined);
    this.#roots = storageRoots(this.#cwd, options.env);
  }

  /** The local storage folders known from the environment. */
  get storageRoots(): readonly string[] {
    return this.#roots;
  }

  /** True when a change to `file` (absolute, or relative to the project) must not restart the app. */
  ignores(file: string): boolean {
    const path = isAbsolute(file) ? file : join(this.#cwd, file);
    const rel = relative(this.#cwd, path);
    const parts = rel.split(sep);
    if (parts.some((part) => IGNORED_DIRECTORIES.has(part)) || DATABASE_FILE.test(path)) return true;
    if (this.#roots.some((root) => path === root || path.startsWith(root + sep))) return true;
    const posix = parts.join('/');
    if (!rel.startsWith('..') && this.#patterns.some((pattern) => pattern.test(posix))) return true;
    return this.#insideStorageRoot(dirname(path));
  }

  #insideStorageRoot(dir: string): boolean {
    for (
      let current = dir;
      current.startsWith(this.#cwd) && current !== this.#cwd;
      current = dirname(current)
    ) {
      let marked = this.#markers.get(current);
      if (marked === undefined) {
        marked = isDirectory(join(current, '.basalt'));
        // Only a found marker is remembered: a storage folder may get its marker later.
        if (marked) this.#markers.set(current, true);
      }
      if (marked) return true;
    }
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Directories to watch: the app's and `src/`, without one nested in the other. */
export function watchedDirectories(appFile: string, cwd: string): string[] {
  const candidates = [dirname(appFile), join(cwd, 'src')].filter((dir) => existsSync(dir));
  return candidates.filter(
    (dir, i) =>
      !candidates.some((other, j) => j !== i && (dir === other ? j < i : dir.startsWith(other + sep))),
  );
}

/**
 * Watches a directory tree and reports changed files (absolute paths) that `filter` does not
 * ignore. Ignored folders at the top of the tree are never walked, which matters when the app
 * file sits at the project root next to node_modules, data/ and the media folder.
 */
export function watchTree(dir: string, filter: WatchFilter, onChange: (file: string) => void): FSWatcher[] {
  const report = (base: string) => (_event: string, filename: string | Buffer | null) => {
    if (!filename) return;
    const file = join(base, filename.toString());
    if (!filter.ignores(file)) onChange(file);
  };
  const watchers = [watch(dir, report(dir))];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const sub = join(dir, entry.name);
    if (!entry.isDirectory() || filter.ignores(sub)) continue;
    watchers.push(watch(sub, { recursive: true }, report(sub)));
  }
  return watchers;
}
