import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder of an app's static files, in the project and in its build (`dist/static`). */
export const STATIC_FOLDER = 'static';

/** The file `basalt build` writes into the built static folder: source name → hashed name. */
export const STATIC_MANIFEST = '.basalt-static.json';

/** What `basalt build` records of the static files it copied. */
export interface StaticManifest {
  version: 1;
  /** `css/app.css` → `css/app.3f2a1b9c0d.css` (forward slashes, relative to the static folder). */
  files: Record<string, string>;
}

/** Reads the static manifest of a built static folder, or undefined when there is none. */
export function readStaticManifest(folder: string): StaticManifest | undefined {
  const file = join(folder, STATIC_MANIFEST);
  if (!existsSync(file)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as StaticManifest;
    return manifest.version === 1 && typeof manifest.files === 'object' && manifest.files !== null
      ? manifest
      : undefined;
  } catch {
    return undefined;
  }
}
