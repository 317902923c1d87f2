// Checks an implementation's answers against the TechEmpower specification: status, the
// required headers (Server, Date, Content-Type, Content-Length), body shape, the query-count
// rule, fortunes escaping and order, and that updates reach the database. Used by the bench
// before any load (bench/suites/techempower.js) and by test/bench/techempower-implementations.test.ts.
// Written independently of bench/techempower/shared.ts, so a bug there is caught here.
import pg from 'pg';
import { expect } from '../lib/verify.js';
import { BASE_URL, FORTUNES, SCHEMA } from './setup.js';

const HELLO = 'Hello, World!';
const EXTRA = { id: 0, message: 'Additional fortune added at request time.' };

/**
 * @typedef {{ status: number, headers: Headers, text: string, bytes: number }} Answer
 * @typedef {{ id: number, randomNumber: number }} World
 */

/**
 * GETs `path` and checks the status and the headers every test type requires.
 *
 * @param {string} baseUrl
 * @param {string} path
 * @returns {Promise<Answer>}
 */
async function fetchChecked(baseUrl, path) {
  const response = await fetch(baseUrl + path);
  const buffer = Buffer.from(await response.arrayBuffer());
  const text = buffer.toString('utf8');
  expect(response.status === 200, `GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  for (const name of ['server', 'date', 'content-type', 'content-length']) {
    expect(response.headers.has(name), `GET ${path}: no ${name} header`);
  }
  expect(
    !Number.isNaN(Date.parse(response.headers.get('date') ?? '')),
    `GET ${path}: Date header ${response.headers.get('date')} is not a date`,
  );
  expect(
    Number(response.headers.get('content-length')) === buffer.length,
    `GET ${path}: Content-Length ${response.headers.get('content-length')}, body has ${buffer.length} bytes`,
  );
  return { status: response.status, headers: response.headers, text, bytes: buffer.length };
}

/**
 * @param {Answer} answer
 * @param {string} path
 * @returns {unknown}
 */
function jsonBody(answer, path) {
  const type = answer.headers.get('content-type') ?? '';
  expect(/^application\/json(; ?charset=utf-8)?$/i.test(type), `GET ${path}: Content-Type ${type}`);
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new Error(`GET ${path}: body is not JSON: ${answer.text.slice(0, 200)}`);
  }
}

/**
 * @param {unknown} value
 * @param {string} where
 * @returns {World}
 */
function checkWorld(value, where) {
  const world = /** @type {Record<string, unknown>} */ (value);
  expect(
    world !== null && typeof world === 'object' && Object.keys(world).sort().join(',') === 'id,randomNumber',
    `${where}: expected {id, randomNumber}, got ${JSON.stringify(value)}`,
  );
  for (const key of ['id', 'randomNumber']) {
    const n = world[key];
    expect(
      Number.isInteger(n) && Number(n) >= 1 && Number(n) <= 10_000,
      `${where}: ${key} ${JSON.stringify(n)} is not an integer 1..10000`,
    );
  }
  return /** @type {World} */ (/** @type {unknown} */ (world));
}

/**
 * @param {string} baseUrl
 * @param {string} path
 * @param {number} length
 * @returns {Promise<World[]>}
 */
async function worldList(baseUrl, path, length) {
  const body = jsonBody(await fetchChecked(baseUrl, path), path);
  expect(Array.isArray(body), `GET ${path}: expected an array, got ${JSON.stringify(body).slice(0, 100)}`);
  const list = /** @type {unknown[]} */ (body);
  expect(list.length === length, `GET ${path}: expected ${length} worlds, got ${list.length}`);
  return list.map((w, i) => checkWorld(w, `GET ${path} [${i}]`));
}

/** `GET /json` → `{"message":"Hello, World!"}`, application/json. */
export async function checkJson(baseUrl) {
  const answer = await fetchChecked(baseUrl, '/json');
  const body = jsonBody(answer, '/json');
  expect(
    JSON.stringify(body) === JSON.stringify({ message: HELLO }),
    `GET /json answered ${answer.text}, expected {"message":"Hello, World!"}`,
  );
}

/** `GET /plaintext` → `Hello, World!`, text/plain. */
export async function checkPlaintext(baseUrl) {
  const answer = await fetchChecked(baseUrl, '/plaintext');
  const type = answer.headers.get('content-type') ?? '';
  expect(/^text\/plain(; ?charset=utf-8)?$/i.test(type), `GET /plaintext: Content-Type ${type}`);
  expect(answer.text === HELLO, `GET /plaintext answered ${JSON.stringify(answer.text)}`);
}

/** `GET /db` → one World object. */
export async function checkDb(baseUrl) {
  const body = jsonBody(await fetchChecked(baseUrl, '/db'), '/db');
  expect(!Array.isArray(body), 'GET /db answered an array, expected one object');
  checkWorld(body, 'GET /db');
}

/**
 * The `queries` parameter cases: missing, not an integer, below 1 → 1; above 500 → 500.
 * @type {[string, number][]}
 */
export const QUERY_CASES = [
  ['', 1],
  ['?queries=', 1],
  ['?queries=foo', 1],
  ['?queries=2.5', 1],
  ['?queries=0', 1],
  ['?queries=-3', 1],
  ['?queries=1', 1],
  ['?queries=20', 20],
  ['?queries=501', 500],
];

/** `GET /queries?queries=N` → N World objects, N clamped to 1..500. */
export async function checkQueries(baseUrl) {
  for (const [query, length] of QUERY_CASES) await worldList(baseUrl, `/queries${query}`, length);
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The fortunes page the specification requires, byte for byte as the implementations render it. */
export function expectedFortunesHtml() {
  const rows = [...FORTUNES, EXTRA]
    .sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    .map(
      (f) =>
        `<tr><td>${f.id}</td><td>${f.message.replace(/[&<>"']/g, (c) => ESCAPES[/** @type {keyof ESCAPES} */ (c)])}</td></tr>`,
    )
    .join('');
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${rows}</table></body></html>`;
}

/** `GET /fortunes` → the 12 fortunes plus one added at request time, sorted, escaped, text/html; charset=utf-8. */
export async function checkFortunes(baseUrl) {
  const answer = await fetchChecked(baseUrl, '/fortunes');
  const type = answer.headers.get('content-type') ?? '';
  expect(
    type.toLowerCase().replace(/\s/g, '') === 'text/html;charset=utf-8',
    `GET /fortunes: Content-Type ${type}`,
  );
  expect(!answer.text.includes('<script>'), 'GET /fortunes: the <script> fortune is not escaped');
  expect(
    answer.text.includes(
      '&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;',
    ),
    'GET /fortunes: the <script> fortune is missing or escaped differently',
  );
  expect(
    answer.text.includes('<tr><td>0</td><td>Additional fortune added at request time.</td></tr>'),
    'GET /fortunes: the fortune added at request time is missing',
  );
  const expected = expectedFortunesHtml();
  if (answer.text !== expected) {
    let at = 0;
    while (at < expected.length && answer.text[at] === expected[at]) at += 1;
    throw new Error(
      `GET /fortunes: the page differs from the specification at character ${at}: ` +
        `got ${JSON.stringify(answer.text.slice(Math.max(0, at - 40), at + 40))}, ` +
        `expected ${JSON.stringify(expected.slice(Math.max(0, at - 40), at + 40))}`,
    );
  }
}

/**
 * Every World row's random number, straight from the database.
 *
 * @returns {Promise<Map<number, number>>}
 */
async function storedNumbers() {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(`select id, random_number as n from ${SCHEMA}.world`);
    return new Map(rows.map((r) => [r.id, r.n]));
  } finally {
    await client.end();
  }
}

/** `GET /updates?queries=N` → N World objects, N clamped like /queries. */
export async function checkUpdateCounts(baseUrl) {
  for (const [query, length] of QUERY_CASES) await worldList(baseUrl, `/updates${query}`, length);
}

/**
 * `GET /updates?queries=20` writes what it answers: the numbers answered are the numbers
 * stored, and they changed. Reads the whole table before and after, so nothing else may
 * update World meanwhile.
 */
export async function checkUpdatesWritten(baseUrl) {
  const before = await storedNumbers();
  const worlds = await worldList(baseUrl, '/updates?queries=20', 20);
  const after = await storedNumbers();
  for (const world of worlds) {
    // An id drawn twice in one request is written twice, concurrently: either value may win.
    const answered = worlds.filter((w) => w.id === world.id).map((w) => w.randomNumber);
    expect(
      answered.includes(/** @type {number} */ (after.get(world.id))),
      `GET /updates: world ${world.id} answered randomNumber ${answered.join(' or ')}, the table holds ${after.get(world.id)}`,
    );
  }
  // Twenty rows all drawing their old number again has a chance of 1 in 10^80.
  expect(
    worlds.some((w) => before.get(w.id) !== after.get(w.id)),
    'GET /updates: no row changed in the table; the updates are not written',
  );
}

/** `GET /updates?queries=N`: the counts, then that the updates are written. */
export async function checkUpdates(baseUrl) {
  await checkUpdateCounts(baseUrl);
  await checkUpdatesWritten(baseUrl);
}

/** Every test type, by name, in the order the bench runs them. */
export const checks = {
  json: checkJson,
  plaintext: checkPlaintext,
  db: checkDb,
  queries: checkQueries,
  fortunes: checkFortunes,
  updates: checkUpdates,
};

/**
 * Runs every check against one implementation; throws the first failure.
 *
 * @param {string} baseUrl
 */
export async function verifyImplementation(baseUrl) {
  for (const check of Object.values(checks)) await check(baseUrl);
}
