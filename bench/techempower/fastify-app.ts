// The TechEmpower test types on raw Fastify 5 + pg: JSON schemas for serialization, a
// Server header per handler, no plugins, no logger. fastify.ts serves it; inject-compare.ts
// runs it in-process next to the Basalt app.
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { BASE_URL, POOL_SIZE, SCHEMA } from './setup.js';
import {
  type Fortune,
  HELLO,
  HTML,
  queryCount,
  randomId,
  randomNumber,
  renderFortunes,
  type World,
  withExtraFortune,
} from './shared.js';

/** The raw Fastify app and its pg pool (end it after closing the app). */
export function createFastifyApp(): { app: FastifyInstance; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: BASE_URL,
    max: POOL_SIZE,
    options: `-c search_path=${SCHEMA}`,
  });

  async function oneWorld(id: number): Promise<World> {
    const { rows } = await pool.query<World>(
      'select id, random_number as "randomNumber" from world where id = $1',
      [id],
    );
    return rows[0]!;
  }

  function worlds(count: number): Promise<World[]> {
    const reads: Promise<World>[] = [];
    for (let i = 0; i < count; i += 1) reads.push(oneWorld(randomId()));
    return Promise.all(reads);
  }

  const world = {
    type: 'object',
    properties: { id: { type: 'integer' }, randomNumber: { type: 'integer' } },
    required: ['id', 'randomNumber'],
  } as const;
  const worldList = { 200: { type: 'array', items: world } } as const;

  interface Queries {
    Querystring: { queries?: string | string[] };
  }

  const app = Fastify({ logger: false });

  app.get(
    '/json',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
        },
      },
    },
    (_request, reply) => {
      reply.header('server', 'Fastify');
      return { message: HELLO };
    },
  );

  app.get('/plaintext', (_request, reply) => {
    reply.header('server', 'Fastify').header('content-type', 'text/plain');
    return HELLO;
  });

  app.get('/db', { schema: { response: { 200: world } } }, async (_request, reply) => {
    reply.header('server', 'Fastify');
    return oneWorld(randomId());
  });

  app.get<Queries>('/queries', { schema: { response: worldList } }, async (request, reply) => {
    reply.header('server', 'Fastify');
    return worlds(queryCount(request.query.queries));
  });

  app.get('/fortunes', async (_request, reply) => {
    const { rows } = await pool.query<Fortune>('select id, message from fortune');
    reply.header('server', 'Fastify').header('content-type', HTML);
    return renderFortunes(withExtraFortune(rows));
  });

  app.get<Queries>('/updates', { schema: { response: worldList } }, async (request, reply) => {
    const read = await worlds(queryCount(request.query.queries));
    for (const w of read) w.randomNumber = randomNumber();
    await Promise.all(
      read.map((w) =>
        pool.query('update world set random_number = $2 where id = $1', [w.id, w.randomNumber]),
      ),
    );
    reply.header('server', 'Fastify');
    return read;
  });
  return { app, pool };
}
