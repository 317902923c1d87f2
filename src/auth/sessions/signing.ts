import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** HKDF purpose of the key that signs session cookies. */
export const SESSION_KEY_PURPOSE = 'basalt.auth.session';
/** HKDF purpose of the key that derives CSRF tokens from session ids. */
export const CSRF_KEY_PURPOSE = 'basalt.auth.csrf';

const ID = /^[A-Za-z0-9_-]{43}$/;

/** Signs and checks session cookies and CSRF tokens with keys derived from SECRET_KEY. */
export class SessionSigner {
  readonly #sessionKey: Buffer;
  readonly #csrfKey: Buffer;

  constructor(secret: string) {
    this.#sessionKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), SESSION_KEY_PURPOSE, 32));
    this.#csrfKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), CSRF_KEY_PURPOSE, 32));
  }

  /** A new random session id: 32 bytes, base64url. */
  newId(): string {
    return randomBytes(32).toString('base64url');
  }

  /** The cookie value of a session id: `<id>.<HMAC-SHA256(id)>`. */
  sign(id: string): string {
    return `${id}.${this.#mac(this.#sessionKey, id)}`;
  }

  /** The session id of a cookie value, or undefined when malformed or tampered with. */
  unsign(value: string): string | undefined {
    const dot = value.indexOf('.');
    if (dot !== 43) return undefined;
    const id = value.slice(0, dot);
    if (!ID.test(id)) return undefined;
    return equal(value.slice(dot + 1), this.#mac(this.#sessionKey, id)) ? id : undefined;
  }

  /** The CSRF token of a session: an HMAC of its id (no storage; changes when the id rotates). */
  csrfToken(id: string): string {
    return this.#mac(this.#csrfKey, id);
  }

  /** True when `token` is the CSRF token of the session `id` (constant time). */
  checkCsrfToken(id: string, token: string): boolean {
    return equal(token, this.csrfToken(id));
  }

  #mac(key: Buffer, id: string): string {
    return createHmac('sha256', key).update(id).digest('base64url');
  }
}

/** What the store keeps of a session id: its SHA-256, hex. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
