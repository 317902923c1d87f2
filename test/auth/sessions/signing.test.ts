import { describe, expect, it } from 'vitest';
import { readCookie, serializeCookie } from '../../../src/auth/sessions/cookies.js';
import { hashSessionId, SessionSigner } from '../../../src/auth/sessions/signing.js';

const SECRET = 'a-secret-key-of-at-least-thirty-two-characters';

describe('session cookie signing', () => {
  const signer = new SessionSigner(SECRET);

  it('signs a random 32-byte id and reads it back', () => {
    const id = signer.newId();
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(signer.unsign(signer.sign(id))).toBe(id);
  });

  it('refuses a value signed with another SECRET_KEY or altered', () => {
    const id = signer.newId();
    const other = new SessionSigner(`${SECRET}-rotated`);
    expect(other.unsign(signer.sign(id))).toBeUndefined();
    const signed = signer.sign(id);
    const swapped = `${signer.newId()}${signed.slice(43)}`;
    expect(signer.unsign(swapped)).toBeUndefined();
    expect(signer.unsign(`${signed}x`)).toBeUndefined();
    expect(signer.unsign('')).toBeUndefined();
  });

  it('derives a CSRF token per session id, distinct from the cookie signature', () => {
    const id = signer.newId();
    const token = signer.csrfToken(id);
    expect(signer.checkCsrfToken(id, token)).toBe(true);
    expect(signer.checkCsrfToken(signer.newId(), token)).toBe(false);
    expect(signer.sign(id).endsWith(token)).toBe(false);
  });

  it('keeps the SHA-256 of the id, in hex', () => {
    expect(hashSessionId('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('session cookies', () => {
  it('reads one cookie from a Cookie header', () => {
    expect(readCookie('a=1; basalt_session=xyz; b=2', 'basalt_session')).toBe('xyz');
    expect(readCookie('basalt_session="quoted"', 'basalt_session')).toBe('quoted');
    expect(readCookie('my_basalt_session=1;basalt_session=2', 'basalt_session')).toBe('2');
    expect(readCookie('a=1; b', 'basalt_session')).toBeUndefined();
    expect(readCookie('', 'basalt_session')).toBeUndefined();
  });

  it('writes the attributes, Secure only when asked', () => {
    expect(serializeCookie({ name: 's', secure: false }, 'v', 60)).toBe(
      's=v; Max-Age=60; Path=/; HttpOnly; SameSite=Lax',
    );
    expect(serializeCookie({ name: 's', secure: true }, '', 0)).toBe(
      's=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure',
    );
  });
});
