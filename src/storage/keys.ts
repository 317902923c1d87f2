import { randomBytes } from 'node:crypto';
import { extname } from 'node:path';
import { StorageError } from './errors.js';

const SAFE_SEGMENT = /^[A-Za-z0-9._~@=+,-]+$/;
const MAX_KEY_LENGTH = 1024;

/**
 * Throws `BASALT_STORAGE_INVALID_KEY` unless `key` is a relative path of safe segments:
 * no `.`/`..` segments, no leading or doubled `/`, no backslash, NUL or control characters,
 * nothing under the reserved `.basalt/` prefix. Every backend calls it, so a key can never
 * address anything outside its storage.
 */
export function assertValidKey(key: string): void {
  const bad = (why: string) => new StorageError('BASALT_STORAGE_INVALID_KEY', `Invalid key '${key}': ${why}`);
  if (typeof key !== 'string' || key.length === 0) throw bad('empty');
  if (key.length > MAX_KEY_LENGTH) throw bad(`longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith('.basalt/')) throw bad('the .basalt/ prefix is reserved');
  for (const segment of key.split('/')) {
    if (segment === '') throw bad('empty path segment');
    if (segment === '.' || segment === '..') throw bad('relative path segment');
    if (!SAFE_SEGMENT.test(segment)) throw bad('only letters, digits and ._~@=+,- are allowed');
  }
}

/** Throws unless `prefix` is empty or a valid key followed by an optional `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** A lowercase extension of at most 10 letters and digits from a client's file name, or ''. */
export function safeExtension(name: string | undefined): string {
  if (!name) return '';
  const ext = extname(name.replace(/\\/g, '/').split('/').pop() ?? '').toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

/**
 * A fresh key: `<prefix>/<yyyy>/<mm>/<32 random hex chars><ext>`. Nothing of the client's
 * file name goes into it except a sanitised extension.
 */
export function generateKey(options: { prefix?: string; name?: string; extension?: string } = {}): string {
  const now = new Date();
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  const ext = options.extension ?? safeExtension(options.name);
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const key = `${prefix ? `${prefix}/` : ''}${now.getUTCFullYear()}/${month}/${randomBytes(16).toString('hex')}${ext}`;
  assertValidKey(key);
  return key;
}

/** A client-supplied file name made safe to echo in a Content-Disposition header and metadata. */
export function cleanFileName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const cleaned = [...base]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && c !== '"')
    .join('')
    .trim()
    .slice(0, 255);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? undefined : cleaned;
}
