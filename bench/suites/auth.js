// The auth suite: what a bearer JWT costs per request (verification plus loading the user),
// measured as Basalt with `auth: 'required'` against the same Basalt endpoint without auth.
import { expect, requestJson } from '../lib/verify.js';

const PATH = '/whoami';
// As long as the bench user's access token (419 characters with the default claims), so the
// implementations called without a real token receive the same number of bytes.
const DUMMY_TOKEN = 'not.a.token.'.padEnd(419, 'x');

/**
 * A bearer token for the implementation: signs in when it has `/auth/token`, else a dummy
 * (the implementations without auth ignore the header, but still receive it).
 *
 * @param {string} baseUrl
 * @param {string} implementation
 */
async function tokenFor(baseUrl, implementation) {
  if (!implementation.startsWith('basalt-jwt')) return DUMMY_TOKEN;
  const res = await fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 2026' }),
  });
  const text = await res.text();
  expect(res.status === 200, `POST /auth/token answered ${res.status}: ${text}`);
  return /** @type {{ access: string }} */ (JSON.parse(text)).access;
}

/**
 * - `GET /whoami` with `Authorization: Bearer <token>` → 200 `{ id, email }`
 * - basalt-jwt: without a token, or with a bad one → 401
 *
 * @param {string} baseUrl
 * @param {string} implementation
 */
async function verify(baseUrl, implementation) {
  const token = await tokenFor(baseUrl, implementation);
  const headers = implementation === 'basalt-open' ? {} : { authorization: `Bearer ${token}` };
  const good = await requestJson(baseUrl + PATH, { headers });
  expect(good.status === 200, `GET ${PATH} answered ${good.status}: ${good.text.slice(0, 200)}`);
  const body = /** @type {{ id?: unknown, email?: unknown }} */ (good.body);
  expect(body.id === 1 && body.email === 'bench@example.com', `GET ${PATH} answered ${good.text}`);
  if (implementation.startsWith('basalt-jwt')) {
    const anonymous = await requestJson(baseUrl + PATH);
    expect(
      anonymous.status === 401,
      `GET ${PATH} without a token answered ${anonymous.status}, expected 401`,
    );
    const bad = await requestJson(baseUrl + PATH, { headers: { authorization: `Bearer ${token}x` } });
    expect(bad.status === 401, `GET ${PATH} with a tampered token answered ${bad.status}, expected 401`);
  }
  return good.body;
}

/** @type {import('./suite.js').Suite} */
export const authSuite = {
  name: 'auth',
  title: 'Bearer JWT: verification and user lookup per request',
  description:
    '`GET /whoami` with `Authorization: Bearer <access token>` → `{ "id": 1, "email": "bench@example.com" }`. ' +
    'basalt-jwt verifies the HS256 token and loads the user from SQLite on every request; basalt-jwt-token verifies ' +
    'it and builds the user from its claims; basalt-open is the same app with the endpoint open, called without a token; ' +
    'basalt-none is the same endpoint in an app without auth or database.',
  implementations: [
    {
      name: 'basalt-jwt',
      entry: 'bench/auth/basalt.ts',
      env: { BENCH_AUTH: 'jwt' },
      description: "Basalt `auth: 'required'`: HS256 verify (jose) + user by id (SQLite)",
    },
    {
      name: 'basalt-jwt-token',
      entry: 'bench/auth/basalt.ts',
      env: { BENCH_AUTH: 'jwt-token' },
      description:
        "Basalt `auth: 'required'` with `bearerUser: 'token'`: HS256 verify only, user from the claims",
    },
    {
      name: 'basalt-open',
      entry: 'bench/auth/basalt.ts',
      env: { BENCH_AUTH: 'open' },
      description: 'the same app, auth() installed, the endpoint open and called without a token',
    },
    {
      name: 'basalt-none',
      entry: 'bench/auth/basalt.ts',
      env: { BENCH_AUTH: 'none' },
      description: 'the same Basalt endpoint, no auth module',
    },
    { name: 'fastify', entry: 'bench/auth/fastify.ts', description: 'raw Fastify 5, no auth' },
  ],
  baselines: ['basalt-open', 'basalt-none', 'fastify'],
  // The target is the cost of JWT verification: the same endpoint and app, with and
  // without a required bearer token. The stateless mode isolates verification; the default
  // mode adds one primary-key query per request, reported beside it. basalt-none (no auth
  // module, no database) shows what installing them costs every request.
  target: { implementation: 'basalt-jwt-token', baseline: 'basalt-open', ratio: 0.9 },
  request: { method: 'GET', path: PATH },
  // basalt-open is called without a token (a bad one would be refused by auth()); the others
  // without auth get a dummy, so every request carries the same bytes.
  prepare: async (baseUrl, implementation) => ({
    headers:
      implementation === 'basalt-open'
        ? { 'x-padding': `Bearer ${DUMMY_TOKEN}` }
        : { authorization: `Bearer ${await tokenFor(baseUrl, implementation)}` },
  }),
  verify,
};
