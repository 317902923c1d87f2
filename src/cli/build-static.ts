import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, posix, relative, sep } from 'node:path';
import { STATIC_FOLDER, STATIC_MANIFEST, type StaticManifest } from '../internal/static-manifest.js';

/** What {@link buildStatic} did: files copied, and what it could not rewrite. */
export interface StaticBuildResult {
  /** Static files copied (each under its own name and its hashed one). */
  files: number;
  /** `url()` references of CSS files left as they were (`css/app.css: url(img/gone.png) names no file`). */
  warnings: string[];
}

/**
 * Copies the project's `static/` folder into `<outDir>/static/` for production: each file under
 * its own name and under a content-hashed one (`app.css` → `app.3f2a1b9c0d.css`), with a
 * manifest from the first to the second that `view.asset()` reads. Dot-files are left out.
 *
 * In CSS files, `url(img/logo.png)` and `@import 'base.css'` that name a static file (relative
 * to the CSS file) are rewritten to its hashed name before the CSS is hashed, so a changed image
 * gives its stylesheet a new name too. `data:`, absolute and other sites' URLs stay as written;
 * a reference to a missing file stays too, with a warning.
 */
export function buildStatic(root: string, outDir: string): StaticBuildResult {
  const source = join(root, STATIC_FOLDER);
  if (!existsSync(source)) return { files: 0, warnings: [] };
  const target = join(outDir, STATIC_FOLDER);
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.set(relative(source, path).split(sep).join('/'), path);
    }
  };
  walk(source);
  const manifest: StaticManifest = { version: 1, files: {} };
  const warnings: string[] = [];
  const hashedName = (name: string, content: Buffer | string) => {
    const hash = createHash('sha256').update(content).digest('hex').slice(0, 10);
    const extension = extname(name);
    return `${name.slice(0, name.length - extension.length)}.${hash}${extension}`;
  };
  const write = (name: string, hashed: string, content?: string) => {
    const path = files.get(name)!;
    mkdirSync(dirname(join(target, name)), { recursive: true });
    if (content === undefined) {
      copyFileSync(path, join(target, name));
      copyFileSync(path, join(target, hashed));
    } else {
      writeFileSync(join(target, name), content);
      writeFileSync(join(target, hashed), content);
    }
    manifest.files[name] = hashed;
  };
  for (const [name, path] of files) if (!isCss(name)) write(name, hashedName(name, readFileSync(path)));
  // A stylesheet's name depends on those it imports: each is hashed after what it names.
  const visiting = new Set<string>();
  const buildCss = (name: string): string | undefined => {
    const done = manifest.files[name];
    if (done !== undefined) return done;
    // An import cycle: the reference is kept as written (the unhashed file exists too).
    if (visiting.has(name)) return undefined;
    visiting.add(name);
    const css = rewriteCssUrls(readFileSync(files.get(name)!, 'utf8'), (reference) => {
      const resolved = resolveReference(name, reference);
      if (resolved === undefined) return undefined;
      if (!files.has(resolved.name)) {
        warnings.push(`${name}: url(${reference}) names no file of static/, left as it is`);
        return undefined;
      }
      const hashed = isCss(resolved.name) ? buildCss(resolved.name) : manifest.files[resolved.name];
      if (hashed === undefined) return undefined;
      return `${cssUrlPath(posix.relative(posix.dirname(name), hashed))}${resolved.suffix}`;
    });
    visiting.delete(name);
    const hashed = hashedName(name, css);
    write(name, hashed, css);
    return hashed;
  };
  for (const name of files.keys()) if (isCss(name)) buildCss(name);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, STATIC_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { files: files.size, warnings };
}

/** A path as a URL: a space, a quote or a parenthesis would end a `url()` written without quotes. */
function cssUrlPath(path: string): string {
  return encodeURI(path).replace(/[()'"]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isCss(name: string): boolean {
  return name.toLowerCase().endsWith('.css');
}

// url(...) unquoted or quoted, and @import with a bare string (which is a URL too).
const CSS_URL =
  /\burl\(\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^'")\s][^)\s]*))\s*\)|(@import\s+)(?:"([^"\n]*)"|'([^'\n]*)')/gi;
const CSS_COMMENT = /\/\*[\s\S]*?\*\//g;

/**
 * Rewrites the URLs of a stylesheet through `replace` (undefined keeps one as written);
 * comments are left alone.
 */
export function rewriteCssUrls(css: string, replace: (url: string) => string | undefined): string {
  let out = '';
  let last = 0;
  for (const comment of css.matchAll(CSS_COMMENT)) {
    out += rewriteSegment(css.slice(last, comment.index), replace) + comment[0];
    last = comment.index + comment[0].length;
  }
  return out + rewriteSegment(css.slice(last), replace);
}

function rewriteSegment(css: string, replace: (url: string) => string | undefined): string {
  return css.replace(
    CSS_URL,
    (
      whole,
      double?: string,
      single?: string,
      bare?: string,
      atImport?: string,
      importDouble?: string,
      importSingle?: string,
    ) => {
      if (atImport !== undefined) {
        const url = importDouble ?? importSingle ?? '';
        const quote = importDouble !== undefined ? '"' : "'";
        const replaced = replace(url);
        return replaced === undefined ? whole : `${atImport}${quote}${replaced}${quote}`;
      }
      const url = double ?? single ?? bare ?? '';
      const replaced = replace(url);
      if (replaced === undefined) return whole;
      const quote = double !== undefined ? '"' : single !== undefined ? "'" : '';
      return `url(${quote}${replaced}${quote})`;
    },
  );
}

/**
 * The static file a CSS reference names, relative to the CSS file `from`, with its `?query` or
 * `#fragment` kept apart; undefined for what is not a relative path (`data:`, `https:`, `//cdn`,
 * `/static/…`, `#filter`) or leaves the static folder.
 */
function resolveReference(from: string, reference: string): { name: string; suffix: string } | undefined {
  if (reference === '' || reference.startsWith('/') || reference.startsWith('#')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return undefined;
  const cut = reference.search(/[?#]/);
  const path = cut === -1 ? reference : reference.slice(0, cut);
  const suffix = cut === -1 ? '' : reference.slice(cut);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const name = posix.normalize(posix.join(posix.dirname(from), decoded));
  if (name.startsWith('../') || name === '..' || name.startsWith('/')) return undefined;
  return { name, suffix };
}
