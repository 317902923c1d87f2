import { describe, expect, it } from 'vitest';
import { defineOidcProvider, githubProvider, googleProvider } from '../../../src/auth/oidc/index.js';

// The configuration example of docs/oidc.md, run for real (defining providers sends no request).
describe('docs/oidc.md', () => {
  it('configures the presets and a generic provider as the guide shows', () => {
    const env = { GOOGLE_CLIENT_ID: 'g', GOOGLE_CLIENT_SECRET: 'gs', GITHUB_CLIENT_ID: 'h' };
    const google = googleProvider({
      clientId: env.GOOGLE_CLIENT_ID,
      clientSecret: env.GOOGLE_CLIENT_SECRET,
      redirectUri: 'https://shop.example/auth/oidc/google/callback',
    });
    const github = githubProvider({ clientId: env.GITHUB_CLIENT_ID, clientSecret: 'hs' });
    const acme = defineOidcProvider({
      name: 'acme',
      issuer: 'https://login.acme.example',
      clientId: 'a',
      clientSecret: 'as',
      scopes: ['openid', 'email', 'profile'],
      redirectUri: 'https://shop.example/auth/oidc/acme/callback',
    });
    expect(google).toMatchObject({ name: 'google', issuer: 'https://accounts.google.com', protocol: 'oidc' });
    expect(github).toMatchObject({ name: 'github', protocol: 'oauth2', scopes: ['read:user', 'user:email'] });
    expect(acme).toMatchObject({ name: 'acme', scopes: ['openid', 'email', 'profile'] });
  });
});
