import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { STATIC_FOLDER, STATIC_MANIFEST, type StaticManifest } from '../internal/static-manifest.js';

/**
 * Copies the project's `static/` folder into `<outDir>/static/` for production: each file under
 * its own name and under a content-hashed one (`app.css` → `app.3f2a1b9c0d.css`), with a
 * manifest from the first to the second that `view.asset()` reads. Dot-files are left out.
 * Returns how many files were copied (0 when the project has no `static/`).
 */
export function buildStatic(root: string, outDir: string): number {
  const source = join(root, STATIC_FOLDER);
  if (!existsSync(source)) return 0;
  const target = join(outDir, STATIC_FOLDER);
  const manifest: StaticManifest = { version: 1, files: {} };
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const name = relative(source, path).split(sep).join('/');
        const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 10);
        const extension = extname(name);
        const hashed = `${name.slice(0, name.length - extension.length)}.${hash}${extension}`;
        mkdirSync(dirname(join(target, name)), { recursive: true });
        copyFileSync(path, join(target, name));
        copyFileSync(path, join(target, hashed));
        manifest.files[name] = hashed;
      }
    }
  };
  walk(source);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, STATIC_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return Object.keys(manifest.files).length;
}
