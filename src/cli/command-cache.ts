import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_OUT_DIR } from '../internal/build-output.js';
import { sourceFiles } from './build-app.js';
import type { AppCommandsListing } from './help.js';

/** What `basalt --help` remembers of an app: its name and its commands' names and summaries. */
interface CachedListing {
  fingerprint: string;
  appName: string;
  commands: { name: string; summary: string }[];
}

function cacheFile(cwd: string): string | undefined {
  const modules = join(cwd, 'node_modules');
  return existsSync(modules) ? join(modules, '.cache', 'basalt', 'commands.json') : undefined;
}

/**
 * A fingerprint of everything an app's command list can depend on: Basalt's version, the app
 * file, and the size and time of every TypeScript file of the project and of package.json
 * (a module added or a command renamed changes one of them).
 */
export function appFingerprint(cwd: string, appFile: string, basaltVersion: string): string {
  const hash = createHash('sha256').update(`${basaltVersion}\0${appFile}\0`);
  const files = [join(cwd, 'package.json'), appFile, ...sourceFiles(cwd, join(cwd, DEFAULT_OUT_DIR))];
  for (const file of files) {
    const stat = statSync(file, { throwIfNoEntry: false });
    hash.update(`${file}\0${stat ? `${stat.size}:${stat.mtimeMs}` : '-'}\0`);
  }
  return hash.digest('hex');
}

/** The remembered command list when its fingerprint still matches, so help need not import the app. */
export function readCommandCache(cwd: string, fingerprint: string): AppCommandsListing | undefined {
  const file = cacheFile(cwd);
  if (!file || !existsSync(file)) return undefined;
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedListing;
    return cached.fingerprint === fingerprint
      ? { appName: cached.appName, commands: cached.commands }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers an app's command list under its fingerprint (in node_modules/.cache; best effort). */
export function writeCommandCache(cwd: string, fingerprint: string, listing: AppCommandsListing): void {
  const file = cacheFile(cwd);
  if (!file) return;
  const cached: CachedListing = {
    fingerprint,
    appName: listing.appName ?? '',
    commands: listing.commands.map(({ name, summary }) => ({ name, summary })),
  };
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(cached));
  } catch {
    // A read-only node_modules only costs the next help an import of the app.
  }
}
