import * as crypto from 'node:crypto';
import { BasaltError } from '../core/index.js';

// One-shot hashing (Node 20.12+) costs a fraction of a Hash object per call.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string })
  .hash;
const sha1 = oneShot
  ? (data: string) => oneShot('sha1', data, 'base64url')
  : (data: string) => crypto.createHash('sha1').update(data).digest('base64url');

/** A strong entity tag over a JSON value (dates as ISO strings). */
export function entityTag(value: unknown): string {
  return `"${sha1(JSON.stringify(value))}"`;
}

function tags(header: string): string[] {
  return header.split(',').map((tag) => tag.trim());
}

/** `If-None-Match` matches (weak comparison): the client's copy is current. */
export function noneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (typeof header !== 'string') return false;
  return tags(header).some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}

/** Enforces `If-Match` (strong comparison): a 412 when the object changed since the client read it. */
export function checkIfMatch(header: string | string[] | undefined, etag: string): void {
  if (typeof header !== 'string') return;
  if (tags(header).some((tag) => tag === '*' || tag === etag)) return;
  throw new BasaltError(
    'BASALT_HTTP_PRECONDITION_FAILED',
    'The object changed since you read it (If-Match does not match its ETag); fetch it again',
  );
}
