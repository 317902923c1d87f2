import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasaltError } from '../core/index.js';
import { type AnyEndpoint, get, respond, t } from '../http/index.js';
import { readStaticManifest, STATIC_FOLDER } from '../internal/static-manifest.js';

/** Options of `views({ static })`: where an app's static files are and where they are served. */
export interface StaticOptions {
  /** The app's static folder (default `static`, from the working directory). */
  dir?: string | URL;
  /** The URL path they are served under (default `/static/`). */
  prefix?: string;
  /**
   * The folder `basalt build` wrote (`dist/static`, with hashed names and a manifest). Default:
   * the running build's, when the app runs compiled (`basalt start` after `basalt build`).
   */
  built?: string | URL;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
};

/** Where a request carries its app's {@link StaticFiles} (set by the views module). */
export const STATIC: unique symbol = Symbol('basalt.static');

/** A year, the longest `max-age` caches honour: a hashed name changes whenever its content does. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Unhashed names may change content under the same URL: caches revalidate each time. */
const REVALIDATE = 'public, max-age=0, must-revalidate';

function pathOf(value: string | URL): string {
  return value instanceof URL ? fileURLToPath(value) : resolve(value);
}

/**
 * An app's static files: served under a prefix, from the source folder in development or from
 * the build (`dist/static`) with hashed names once built; `url(name)` is what `view.asset()` answers.
 */
export class StaticFiles {
  readonly prefix: string;
  readonly root: string;
  /** Source name → hashed name, when serving a build. */
  readonly #hashed: ReadonlyMap<string, string>;
  readonly #immutable: ReadonlySet<string>;

  constructor(options: StaticOptions = {}) {
    const prefix = options.prefix ?? '/static/';
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    if (!this.prefix.startsWith('/'))
      throw new TypeError(`views({ static }): prefix must start with / (got ${prefix})`);
    const running = process.env.BASALT_BUILD_OUT;
    const built = options.built
      ? pathOf(options.built)
      : running && isAbsolute(running)
        ? join(running, STATIC_FOLDER)
        : undefined;
    const manifest = built ? readStaticManifest(built) : undefined;
    if (built && manifest) {
      this.root = built;
      this.#hashed = new Map(Object.entries(manifest.files));
      this.#immutable = new Set(Object.values(manifest.files));
    } else {
      this.root = pathOf(options.dir ?? STATIC_FOLDER);
      this.#hashed = new Map();
      this.#immutable = new Set();
    }
  }

  /** Whether there is anything to serve (the folder exists). */
  get exists(): boolean {
    return existsSync(this.root);
  }

  /**
   * The URL of a static file: its hashed name when serving a build (`/static/app.3f2a1b9c0d.css`),
   * its own name otherwise (`/static/app.css`).
   */
  url(name: string): string {
    const clean = name.replace(/^\/+/, '');
    return `${this.prefix}${encodePath(this.#hashed.get(clean) ?? clean)}`;
  }

  /** The route serving the files (GET and HEAD); anything outside the folder, or a dot-file, is a 404. */
  route(): AnyEndpoint {
    return get(
      `${this.prefix}*`,
      { params: t.Object({ '*': t.String({ maxLength: 1024 }) }), hidden: true },
      ({ params, request, reply }) => {
        const name = params['*'];
        const file = this.#resolve(name);
        const stat = file === undefined ? undefined : statOf(file);
        if (file === undefined || stat === undefined)
          throw new BasaltError(
            'BASALT_HTTP_NOT_FOUND',
            `No static file ${JSON.stringify(name.slice(0, 200))}`,
          );
        const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
        reply.headers({
          'cache-control': this.#immutable.has(name) ? IMMUTABLE : REVALIDATE,
          etag,
          'last-modified': new Date(stat.mtimeMs).toUTCString(),
          'x-content-type-options': 'nosniff',
        });
        if (request.headers['if-none-match'] === etag) return respond(304, '');
        reply.headers({
          'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'content-length': String(stat.size),
        });
        return respond(200, createReadStream(file));
      },
    ) as unknown as AnyEndpoint;
  }

  /** The file a request names, or undefined when it leaves the folder or names a dot-file. */
  #resolve(name: string): string | undefined {
    if (name === '' || name.includes('\0') || name.includes('\\')) return undefined;
    const segments = name.split('/');
    for (const segment of segments)
      if (segment === '' || segment.startsWith('.') || segment.includes(':')) return undefined;
    const file = join(this.root, ...segments);
    return file.startsWith(this.root + sep) ? file : undefined;
  }
}

function statOf(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    const stat = statSync(file);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

let plain: StaticFiles | undefined;

/** The URL of a static file for a request: through its app's build manifest, or `/static/<name>`. */
export function assetUrl(request: object, name: string): string {
  const files = (request as { [STATIC]?: StaticFiles })[STATIC];
  if (files !== undefined) return files.url(name);
  plain ??= new StaticFiles({ dir: '.', built: '.' });
  return plain.url(name);
}
