// The TechEmpower test types on Basalt, as a Basalt user writes them: models declared with
// defineModel, typed endpoints with TypeBox response schemas, reads through the query API
// (`db.query(World)`), writes through the model operation `db.bulkUpdate` (one UPDATE for the
// batch). No SQL.
// basalt.ts serves it; profile-inject.ts runs it in-process.
import { type BasaltApp, createApp, defineApp, get, t } from 'basalt';
import { defineModel, f } from 'basalt/db';
import type { AnyEndpoint } from 'basalt/http';
import { DATABASE_URL } from './setup.js';
import {
  HELLO,
  HTML,
  queryCount,
  randomId,
  randomNumber,
  renderFortunes,
  withExtraFortune,
} from './shared.js';

export const World = defineModel('world', { randomNumber: f.integer() }, { table: 'world' });
export const Fortune = defineModel('fortune', { message: f.string({ max: 2048 }) }, { table: 'fortune' });

const WorldSchema = t.Object({ id: t.Integer(), randomNumber: t.Integer() });
const Queries = t.Object({ queries: t.Optional(t.String()) });

const json = get('/json', { response: t.Object({ message: t.String() }) }, ({ reply }) => {
  reply.header('server', 'Basalt');
  return { message: HELLO };
});

const plaintext = get('/plaintext', {}, ({ reply }) => {
  reply.header('server', 'Basalt').header('content-type', 'text/plain');
  return HELLO;
});

const db = get('/db', { response: WorldSchema }, ({ db, reply }) => {
  reply.header('server', 'Basalt');
  return db.query(World).get(randomId());
});

const queries = get(
  '/queries',
  { query: Queries, response: t.Array(WorldSchema) },
  ({ db, query, reply }) => {
    reply.header('server', 'Basalt');
    const count = queryCount(query.queries);
    return Promise.all(Array.from({ length: count }, () => db.query(World).get(randomId())));
  },
);

const fortunes = get('/fortunes', {}, async ({ db, reply }) => {
  const rows = await db.query(Fortune).all();
  reply.header('server', 'Basalt').header('content-type', HTML);
  return renderFortunes(withExtraFortune(rows));
});

const updates = get(
  '/updates',
  { query: Queries, response: t.Array(WorldSchema) },
  async ({ db, query, reply }) => {
    const count = queryCount(query.queries);
    const worlds = await Promise.all(Array.from({ length: count }, () => db.query(World).get(randomId())));
    for (const world of worlds) world.randomNumber = randomNumber();
    // One statement for the whole batch (UPDATE … FROM VALUES), not one per row.
    await db.bulkUpdate(World, worlds, ['randomNumber']);
    reply.header('server', 'Basalt');
    return worlds;
  },
);

/**
 * The app as the bench runs it: production mode, silent log, Basalt's default pool of 10.
 * `fortunesRoute` replaces `/fortunes` (the basalt-views implementation renders it with TSX).
 */
export function createTechEmpowerApp(fortunesRoute: AnyEndpoint = fortunes): Promise<BasaltApp> {
  return createApp(
    defineApp({
      name: 'techempower',
      models: [World, Fortune],
      routes: [json, plaintext, db, queries, fortunesRoute, updates],
    }),
    {
      envFile: false,
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
        LOG_LEVEL: 'silent',
        DATABASE_URL,
      },
    },
  );
}
