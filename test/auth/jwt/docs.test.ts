import { describe, expect, it } from 'vitest';
import { createTokenService } from '../../../src/auth/jwt/index.js';

// The first example of docs/jwt.md, run for real.
describe('docs/jwt.md', () => {
  it('issues, verifies and rotates tokens as the guide shows', async () => {
    const tokens = await createTokenService({
      secret: 'a-test-secret-key-of-reasonable-length',
      issuer: 'bookshop',
      audience: 'bookshop-api',
    });

    const access = await tokens.issueAccess('42', { scope: 'orders:read' });
    const claims = await tokens.verify(access, { type: 'access' });
    expect(claims).toMatchObject({ sub: '42', typ: 'access', scope: 'orders:read' });

    const refresh = await tokens.issueRefresh('42');
    expect(Object.keys(refresh).sort()).toEqual(['expiresAt', 'family', 'hash', 'jti', 'token']);
    const rotated = await tokens.issueRefresh('42', refresh.family);
    expect(rotated.family).toBe(refresh.family);
  });
});
