// The TechEmpower test types on Express 5 + pg (plain JavaScript: no @types/express here), as an Express app is written: res.json,
// res.send, a Server header per handler. `x-powered-by` is off (every production guide says
// so) and the ETag is off, since the specification's answers carry none.
import express from 'express';
import pg from 'pg';
import { BASE_URL, POOL_SIZE, SCHEMA } from './setup.js';
import {
  HELLO,
  HTML,
  queryCount,
  randomId,
  randomNumber,
  renderFortunes,
  serve,
  withExtraFortune,
} from './shared.js';

const pool = new pg.Pool({ connectionString: BASE_URL, max: POOL_SIZE, options: `-c search_path=${SCHEMA}` });

/** @param {number} id */
async function oneWorld(id) {
  const { rows } = await pool.query('select id, random_number as "randomNumber" from world where id = $1', [
    id,
  ]);
  return rows[0];
}

/** @param {number} count */
function worlds(count) {
  const reads = [];
  for (let i = 0; i < count; i += 1) reads.push(oneWorld(randomId()));
  return Promise.all(reads);
}

await serve('express', async (port) => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Express 5 forwards a rejected promise from a handler to the error handler.
  app.get('/json', (_req, res) => {
    res.set('Server', 'Express').json({ message: HELLO });
  });

  app.get('/plaintext', (_req, res) => {
    res.set('Server', 'Express').type('text/plain').send(HELLO);
  });

  app.get('/db', async (_req, res) => {
    res.set('Server', 'Express').json(await oneWorld(randomId()));
  });

  app.get('/queries', async (req, res) => {
    res.set('Server', 'Express').json(await worlds(queryCount(req.query.queries)));
  });

  app.get('/fortunes', async (_req, res) => {
    const { rows } = await pool.query('select id, message from fortune');
    res
      .set('Server', 'Express')
      .set('Content-Type', HTML)
      .send(renderFortunes(withExtraFortune(rows)));
  });

  app.get('/updates', async (req, res) => {
    const read = await worlds(queryCount(req.query.queries));
    for (const w of read) w.randomNumber = randomNumber();
    await Promise.all(
      read.map((w) =>
        pool.query('update world set random_number = $2 where id = $1', [w.id, w.randomNumber]),
      ),
    );
    res.set('Server', 'Express').json(read);
  });

  const server = await new Promise((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  return {
    port: server.address().port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
});
