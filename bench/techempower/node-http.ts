// The TechEmpower test types on raw node:http + pg: no router, no framework, the platform
// limit. Node adds Date; Server, Content-Type and Content-Length are set here.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  serve,
  type World,
  withExtraFortune,
} from './shared.js';

const pool = new pg.Pool({ connectionString: BASE_URL, max: POOL_SIZE, options: `-c search_path=${SCHEMA}` });

const SELECT_WORLD = 'select id, random_number as "randomNumber" from world where id = $1';
const UPDATE_WORLD = 'update world set random_number = $2 where id = $1';

async function oneWorld(id: number): Promise<World> {
  const { rows } = await pool.query<World>(SELECT_WORLD, [id]);
  return rows[0]!;
}

function worlds(count: number): Promise<World[]> {
  const reads: Promise<World>[] = [];
  for (let i = 0; i < count; i += 1) reads.push(oneWorld(randomId()));
  return Promise.all(reads);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    Server: 'Node',
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown) =>
  send(res, 200, 'application/json', JSON.stringify(value));

function queriesParameter(url: string): number {
  const mark = url.indexOf('?');
  return queryCount(mark === -1 ? undefined : new URLSearchParams(url.slice(mark + 1)).get('queries'));
}

async function route(url: string, res: ServerResponse): Promise<void> {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  switch (path) {
    case '/json':
      return json(res, { message: HELLO });
    case '/plaintext':
      return send(res, 200, 'text/plain', HELLO);
    case '/db':
      return json(res, await oneWorld(randomId()));
    case '/queries':
      return json(res, await worlds(queriesParameter(url)));
    case '/fortunes': {
      const { rows } = await pool.query<Fortune>('select id, message from fortune');
      return send(res, 200, HTML, renderFortunes(withExtraFortune(rows)));
    }
    case '/updates': {
      const read = await worlds(queriesParameter(url));
      for (const world of read) world.randomNumber = randomNumber();
      await Promise.all(read.map((w) => pool.query(UPDATE_WORLD, [w.id, w.randomNumber])));
      return json(res, read);
    }
    default:
      return send(res, 404, 'text/plain', 'Not Found');
  }
}

await serve('node-http', async (port) => {
  const server = createServer((req, res) => {
    route(req.url ?? '/', res).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, 'text/plain', 'Internal Server Error');
    });
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
});
