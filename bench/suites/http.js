// The foundation suite: one JSON endpoint with a validated query and a schema-serialized response.
import { isDeepStrictEqual } from 'node:util';
import { expect, requestJson } from '../lib/verify.js';

const GOOD = '/hello?name=ada&times=3';

/**
 * Checks one implementation answers like the specification below and returns the body of
 * the good request (whose shape `run.js` compares across implementations).
 *
 * - `GET /hello?name=ada&times=3` → 200 JSON `{ message: 'hello ada', times: 3, at: <number> }`
 * - `times` defaults to 1; `name` is required, at most 50 characters; `times` is an integer 1..10
 * - any bad query → 400
 *
 * @param {string} baseUrl
 * @returns {Promise<unknown>}
 */
async function verify(baseUrl) {
  const good = await requestJson(baseUrl + GOOD);
  expect(
    good.status === 200,
    `GET ${GOOD} answered ${good.status}, expected 200: ${good.text.slice(0, 200)}`,
  );
  expect(good.type.startsWith('application/json'), `GET ${GOOD} answered content-type ${good.type}`);
  const body = /** @type {Record<string, unknown>} */ (good.body);
  expect(
    isDeepStrictEqual(Object.keys(body ?? {}).sort(), ['at', 'message', 'times']),
    `GET ${GOOD} answered ${good.text}, expected exactly message, times and at`,
  );
  expect(body.message === 'hello ada' && body.times === 3, `GET ${GOOD} answered ${good.text}`);
  expect(
    typeof body.at === 'number' && Math.abs(Date.now() - body.at) < 60_000,
    `GET ${GOOD}: at is not now`,
  );

  const defaulted = await requestJson(`${baseUrl}/hello?name=ada`);
  expect(
    defaulted.status === 200 && /** @type {{ times?: unknown }} */ (defaulted.body)?.times === 1,
    `GET /hello?name=ada answered ${defaulted.status} ${defaulted.text}, expected times to default to 1`,
  );

  const bad = ['/hello', '/hello?times=3', '/hello?name=ada&times=0', '/hello?name=ada&times=11'];
  bad.push('/hello?name=ada&times=abc', '/hello?name=ada&times=1.5', `/hello?name=${'a'.repeat(51)}`);
  for (const path of bad) {
    const answer = await requestJson(baseUrl + path);
    expect(
      answer.status === 400,
      `GET ${path} answered ${answer.status}, expected 400: ${answer.text.slice(0, 200)}`,
    );
  }
  return good.body;
}

/** @type {import('./suite.js').Suite} */
export const http = {
  name: 'http',
  title: 'JSON endpoint: validated query, schema-serialized response',
  description:
    '`GET /hello?name=ada&times=3` → `{ "message": "hello ada", "times": 3, "at": <ms> }`; ' +
    '`name` a required string (≤ 50 chars), `times` an integer 1..10 defaulting to 1; a bad query is a 400.',
  implementations: [
    {
      name: 'basalt',
      entry: 'bench/http/basalt.ts',
      description: 'Basalt `get()` endpoint with TypeBox query and response',
    },
    {
      name: 'fastify',
      entry: 'bench/http/fastify.ts',
      description: 'raw Fastify 5, same JSON schemas, no plugins',
    },
    {
      name: 'node-http',
      entry: 'bench/http/node-http.ts',
      description: 'raw node:http, URLSearchParams, hand validation',
    },
  ],
  baselines: ['fastify', 'node-http'],
  target: { implementation: 'basalt', baseline: 'fastify', ratio: 0.9 },
  request: { method: 'GET', path: GOOD },
  verify,
};
