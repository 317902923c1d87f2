// The TechEmpower suite (issue 8): the six test types of the TechEmpower Framework
// Benchmarks on Basalt, raw Fastify + pg, raw node:http + pg, Express + pg and NestJS
// (Fastify adapter) + pg, against PostgreSQL. Every implementation is started once and loaded
// with each test type in turn (bench/lib/matrix.js); the table has one row per test and
// implementation, with ratios to raw node:http and raw Fastify.
import { ensurePostgres, POOL_SIZE, prepareDatabase, SCHEMA } from '../techempower/setup.js';
import { verifyImplementation } from '../techempower/verify.js';

/** N for the queries and updates tests under load (the specification runs 1 to 20). */
export const LOAD_QUERIES = 20;

/** @type {import('./techempower.js').MatrixSuite} */
export const techempower = {
  name: 'techempower',
  title: 'TechEmpower test types: json, plaintext, db, queries, fortunes, updates',
  description:
    'The six test types of the TechEmpower Framework Benchmarks, as their specification describes them, ' +
    `on PostgreSQL (schema \`${SCHEMA}\`: World with 10,000 rows, Fortune with the 12 specified rows, ` +
    `created and seeded by the bench; a pool of ${POOL_SIZE} connections in every implementation). ` +
    `queries and updates are measured with N = ${LOAD_QUERIES}: N single-row reads (and N single-row ` +
    'updates), issued concurrently over the pool, in every implementation.',
  implementations: [
    {
      name: 'basalt',
      entry: 'bench/techempower/basalt.ts',
      description:
        'Basalt: `defineModel` World and Fortune, typed `get()` endpoints with TypeBox responses, `db.query(World).get(id)`, `db.query(Fortune).all()`, `db.update(World, id, …)`',
    },
    {
      name: 'basalt-views',
      entry: 'bench/techempower/basalt-views.tsx',
      description:
        'basalt with `/fortunes` as a basalt/views `page()` rendering a TSX template (issue 21: ≥ 0.9× basalt’s template literal on fortunes)',
    },
    {
      name: 'fastify',
      entry: 'bench/techempower/fastify.ts',
      description: 'raw Fastify 5 + pg: JSON response schemas, no plugins, no logger',
    },
    {
      name: 'node-http',
      entry: 'bench/techempower/node-http.ts',
      description: 'raw node:http + pg: a switch on the path, JSON.stringify (the platform limit)',
    },
    {
      name: 'express',
      entry: 'bench/techempower/express.js',
      description: 'Express 5 + pg: res.json / res.send, x-powered-by and ETag off',
    },
    {
      name: 'nestjs',
      entry: 'bench/techempower/nestjs.js',
      description:
        'NestJS (Fastify adapter) + pg: a module, an injectable repository holding the pool, a controller with @Get/@Query/@Header',
    },
  ],
  baselines: ['node-http', 'fastify'],
  tests: [
    { name: 'json', request: { method: 'GET', path: '/json' }, target: 0.9 },
    { name: 'plaintext', request: { method: 'GET', path: '/plaintext' }, target: 0.9 },
    { name: 'db', request: { method: 'GET', path: '/db' }, target: 0.85 },
    { name: 'queries', request: { method: 'GET', path: `/queries?queries=${LOAD_QUERIES}` }, target: 0.85 },
    { name: 'fortunes', request: { method: 'GET', path: '/fortunes' }, target: 0.85 },
    { name: 'updates', request: { method: 'GET', path: `/updates?queries=${LOAD_QUERIES}` }, target: 0.85 },
  ],
  // Basalt at the test's ratio of raw Fastify or better, and ahead of Express and NestJS.
  target: { implementation: 'basalt', baseline: 'fastify', ahead: ['express', 'nestjs'] },
  readyPath: '/json',
  async setup() {
    await ensurePostgres();
    await prepareDatabase();
  },
  verify: verifyImplementation,
};
