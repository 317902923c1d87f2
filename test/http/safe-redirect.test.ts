import { describe, expect, it } from 'vitest';
import { isSafeRedirect } from '../../src/http/safe-redirect.js';

const origin = 'https://shop.example';
const options = { origin, allowedHosts: ['accounts.shop.example'] };

// Known open-redirect bypasses (OWASP, PortSwigger, Django and allauth advisories): each must be refused.
const BYPASSES: readonly string[] = [
  '//evil.test',
  '///evil.test',
  '////evil.test',
  '/\\evil.test',
  '\\\\evil.test',
  '\\/evil.test',
  '/\t/evil.test',
  '/\n/evil.test',
  '/\r/evil.test',
  '\t//evil.test',
  ' //evil.test',
  '/ /evil.test',
  '/\u0000/evil.test',
  '/\u000b/evil.test',
  '/\u3002/evil.test',
  '/\uff0f/evil.test',
  '/\u2215/evil.test',
  '/\u2044evil.test',
  '/%2F%2Fevil.test',
  '/%2f/evil.test',
  '/%5Cevil.test',
  '/%5C%5Cevil.test',
  '/%09/evil.test',
  '/%252F%252Fevil.test',
  'https:evil.test',
  'https:/evil.test',
  'http:evil.test',
  'http://evil.test',
  'https://evil.test',
  'https://evil.test/https://shop.example',
  'HTTPS://EVIL.TEST',
  'https://shop.example@evil.test',
  'https://shop.example:x@evil.test',
  'https://user@shop.example/',
  'https://shop.example.evil.test/',
  'https://evil.test#shop.example',
  'https://evil.test?shop.example',
  'https://[::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://shop.example/',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  'evil.test',
  'evil.test/path',
  '?next=//evil.test',
  '#//evil.test',
  '',
  '/'.padEnd(3000, 'a'),
];

describe('isSafeRedirect', () => {
  it.each(BYPASSES.map((target) => [JSON.stringify(target), target]))('refuses %s', (_, target) => {
    expect(isSafeRedirect(target, options)).toBe(false);
  });

  it.each([
    '/',
    '/books',
    '/books?page=2&sort=-price',
    '/books#reviews',
    '/search?q=%E3%80%82',
    '/a%20b',
    'https://shop.example/account',
    'https://accounts.shop.example/welcome',
    'https://ACCOUNTS.shop.example/welcome',
  ])('accepts %s', (target) => {
    expect(isSafeRedirect(target, options)).toBe(true);
  });

  it('refuses what is not a string, and never throws on a bad origin', () => {
    for (const target of [undefined, null, 42, ['/x'], { toString: () => '/x' }])
      expect(isSafeRedirect(target, options)).toBe(false);
    expect(isSafeRedirect('/books', { origin: 'not a url' })).toBe(false);
  });

  it('accepts plain http only when the app itself is served over http', () => {
    expect(isSafeRedirect('http://localhost:3000/x', { origin: 'http://localhost:3000' })).toBe(true);
    expect(isSafeRedirect('http://accounts.shop.example/x', options)).toBe(false);
  });
});
