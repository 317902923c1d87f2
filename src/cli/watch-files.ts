import { existsSync, type FSWatcher, readdirSync, watch } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** Folders whose changes never restart `basalt dev`. */
export const IGNORED_DIRECTORIES: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  'data',
  'dist',
  'coverage',
  '.basalt',
]);

function ignored(file: string): boolean {
  return file.split(/[\\/]/).some((part) => IGNORED_DIRECTORIES.has(part));
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
 * Watches a directory tree and reports changed files (absolute paths). Ignored folders are
 * never walked, which matters when the app file sits at the project root next to node_modules.
 */
export function watchTree(dir: string, onChange: (file: string) => void): FSWatcher[] {
  const report = (base: string) => (_event: string, filename: string | Buffer | null) => {
    if (filename && !ignored(filename.toString())) onChange(join(base, filename.toString()));
  };
  const watchers = [watch(dir, report(dir))];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || IGNORED_DIRECTORIES.has(entry.name)) continue;
    const sub = join(dir, entry.name);
    watchers.push(watch(sub, { recursive: true }, report(sub)));
  }
  return watchers;
}
