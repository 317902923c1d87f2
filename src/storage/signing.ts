import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignedUrlOptions } from './backends/backend.js';
import { StorageError } from './errors.js';

/** What a signed URL grants: one method on one key of one storage, until `expires`. */
export interface SignedGrant {
  storage: string;
  key: string;
  method: 'GET' | 'PUT';
  /** Unix time, seconds. */
  expires: number;
  contentType?: string;
  contentDisposition?: string;
}

/** Signs and verifies the query strings of URLs Basalt serves itself (the local backend). */
export interface UrlSigner {
  /** The query string (`expires=…&sig=…`) granting `grant`. */
  sign(grant: SignedGrant): string;
  /**
   * The grant of a request, checked: a missing or altered signature is
   * `BASALT_STORAGE_SIGNATURE_INVALID`, a past expiry `BASALT_STORAGE_SIGNATURE_EXPIRED`.
   */
  verify(
    storage: string,
    key: string,
    method: 'GET' | 'PUT',
    query: Readonly<Record<string, unknown>>,
  ): SignedGrant;
}

function payload(grant: SignedGrant): string {
  return [
    'basalt.storage.v1',
    grant.storage,
    grant.method,
    grant.key,
    String(grant.expires),
    grant.contentType ?? '',
    grant.contentDisposition ?? '',
  ].join('\n');
}

/**
 * An HMAC-SHA256 signer keyed from SECRET_KEY (a key of its own, derived for this purpose).
 * Signatures are compared in constant time; `now` is injectable for tests.
 */
export function createUrlSigner(secret: string, now: () => number = Date.now): UrlSigner {
  const key = createHmac('sha256', secret).update('basalt.storage.signed-url').digest();
  const mac = (grant: SignedGrant) => createHmac('sha256', key).update(payload(grant)).digest();
  return {
    sign(grant) {
      const query = new URLSearchParams({ expires: String(grant.expires) });
      if (grant.method === 'PUT') query.set('method', 'PUT');
      if (grant.contentType) query.set('type', grant.contentType);
      if (grant.contentDisposition) query.set('disposition', grant.contentDisposition);
      query.set('sig', mac(grant).toString('base64url'));
      return query.toString();
    },
    verify(storage, key, method, query) {
      const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
      const invalid = () => new StorageError('BASALT_STORAGE_SIGNATURE_INVALID');
      const sig = text('sig');
      const expires = Number(text('expires'));
      if (!sig || !Number.isSafeInteger(expires)) throw invalid();
      if ((text('method') ?? 'GET') !== method) throw invalid();
      const grant: SignedGrant = {
        storage,
        key,
        method,
        expires,
        ...(text('type') ? { contentType: text('type') } : {}),
        ...(text('disposition') ? { contentDisposition: text('disposition') } : {}),
      };
      const expected = mac(grant);
      const given = Buffer.from(sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      // Checked after the signature, so an expiry cannot be probed without a valid one.
      if (expires * 1000 < now()) throw new StorageError('BASALT_STORAGE_SIGNATURE_EXPIRED');
      return grant;
    },
  };
}

/** A storage key as a URL path: each segment percent-encoded, the slashes kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Where and how a backend whose signed URLs Basalt serves (local, memory) signs them. */
export interface ServedSigning {
  /** The storage's name, part of every grant. */
  name: string;
  signer?: UrlSigner | undefined;
  /** Where the storage() module serves signed URLs of this storage. */
  baseUrl?: string | undefined;
  /** Milliseconds since the epoch. */
  now: number;
}

/** A signed URL that Basalt itself checks and serves (15 minutes unless `expiresIn` says). */
export function servedSignedUrl(signing: ServedSigning, key: string, opts: SignedUrlOptions): string {
  if (!signing.signer || !signing.baseUrl)
    throw new StorageError(
      'BASALT_STORAGE_UNKNOWN_STORAGE',
      `Storage '${signing.name}' cannot sign URLs: use it through the storage() module (which serves them)`,
    );
  const query = signing.signer.sign({
    storage: signing.name,
    key,
    method: opts.method ?? 'GET',
    expires: Math.floor(signing.now / 1000) + (opts.expiresIn ?? 900),
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
    ...(opts.contentDisposition ? { contentDisposition: opts.contentDisposition } : {}),
  });
  return `${signing.baseUrl.replace(/\/+$/, '')}/${encodeKey(key)}?${query}`;
}
