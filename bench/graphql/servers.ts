// GraphQL servers compared in one process on the bookshop's list of 20 books with their
// author, against the same REST call (`GET /api/books?pageSize=20&include=author`): CPU time
// per request through Fastify's inject (no sockets), the implementations alternated in
// rounds. Every GraphQL variant runs the schema basalt/graphql generates, with the same
// resolvers; only the server around it changes:
//   basalt       POST /graphql of the app (Basalt's endpoint: cached validation, graphql-jit);
//                `basalt (GET)` the same query as GET /graphql?query=…
//   graphql-js   a bare Fastify route: parse + validate once per query text, execute()
//   graphql-jit  a bare Fastify route: compileQuery() once per query text
//   yoga         GraphQL Yoga on a bare Fastify route
//   mercurius    Mercurius (graphql-jit after the first call) on a bare Fastify
// The competitors are not dependencies of Basalt; install them next to it without saving:
//   flock /tmp/npm.lock npm install --no-save graphql-jit graphql-yoga mercurius
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/graphql/servers.ts
// Without them only REST, basalt and graphql-js run.
import { getAuth } from 'basalt/auth';
import type { GraphQLModule } from 'basalt/graphql';
import { anonymous } from 'basalt/ops';
import { createTestClient } from 'basalt/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { type DocumentNode, execute, type GraphQLSchema, parse, validate } from 'graphql';
import bookshop from '../../examples/bookshop/app.js';
import { Author, Book } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PER_ROUND = Number(process.env.PER_ROUND ?? 2_000);
const QUERY =
  '{ books(pageSize: 20) { totalCount items { id title isbn price publishedOn createdAt updatedAt authorId author { id name } } } }';

type Inject = () => Promise<{ statusCode: number; body: string }>;
type Loose = Record<string, (...args: unknown[]) => unknown>;

async function optional(name: string): Promise<Loose | undefined> {
  try {
    return (await import(name)) as Loose;
  } catch {
    return undefined;
  }
}

const client = await createTestClient(bookshop);
const db = client.db!;
await seed(client.app.db!, getAuth(client.app));
for (let i = 0; i < 30; i += 1) {
  const author = await db.create(Author, { name: `Bench author ${i}` } as never);
  await db.create(Book, {
    title: `Bench book ${i}`,
    isbn: String(9_700_000_000 + i),
    price: `${10 + i}.00`,
    authorId: author.id,
  } as never);
}
const schema: GraphQLSchema = (bookshop.modules!.find((m) => m.name === 'graphql') as GraphQLModule).schema;
const context = () => ({ actor: anonymous, db, log: client.app.log });

const variants = new Map<string, Inject>();
variants.set('rest', async () => {
  const res = await client.app.fastify.inject({
    method: 'GET',
    url: '/api/books?pageSize=20&include=author',
  });
  return { statusCode: res.statusCode, body: res.body };
});
variants.set('basalt', async () => {
  const res = await client.app.fastify.inject({ method: 'POST', url: '/graphql', payload: { query: QUERY } });
  return { statusCode: res.statusCode, body: res.body };
});
// The same query over GET: no request body to stream through inject, as REST's list.
const QUERY_URL = `/graphql?query=${encodeURIComponent(QUERY)}`;
variants.set('basalt (GET)', async () => {
  const res = await client.app.fastify.inject({ method: 'GET', url: QUERY_URL });
  return { statusCode: res.statusCode, body: res.body };
});

function bare(route: (app: FastifyInstance) => void | Promise<void>): () => Promise<Inject> {
  return async () => {
    const app = Fastify();
    await route(app);
    await app.ready();
    return async () => {
      const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query: QUERY } });
      return { statusCode: res.statusCode, body: res.body };
    };
  };
}

const documents = new Map<string, DocumentNode>();
variants.set(
  'graphql-js',
  await bare((app) => {
    app.post('/graphql', async (request) => {
      const { query } = request.body as { query: string };
      let document = documents.get(query);
      if (!document) {
        document = parse(query);
        if (validate(schema, document).length > 0) throw new Error('invalid');
        documents.set(query, document);
      }
      return execute({ schema, document, contextValue: context() });
    });
  })(),
);

const jit = await optional('graphql-jit');
if (jit) {
  const compiled = new Map<string, { query: (root: unknown, ctx: unknown, vars: unknown) => unknown }>();
  variants.set(
    'graphql-jit',
    await bare((app) => {
      app.post('/graphql', async (request) => {
        const { query } = request.body as { query: string };
        let entry = compiled.get(query);
        if (!entry) {
          entry = jit.compileQuery!(schema, parse(query)) as never;
          compiled.set(query, entry!);
        }
        return entry!.query(undefined, context(), {});
      });
    })(),
  );
}

const yoga = await optional('graphql-yoga');
if (yoga) {
  variants.set(
    'yoga',
    await bare((app) => {
      const server = yoga.createYoga!({ schema, context, graphiql: false, logging: false }) as {
        handleNodeRequestAndResponse: (req: unknown, res: unknown, ctx: unknown) => Promise<Response>;
      };
      app.route({
        url: '/graphql',
        method: ['GET', 'POST'],
        handler: async (req, reply) => {
          const response = await server.handleNodeRequestAndResponse(req, reply, {});
          response.headers.forEach((value, key) => {
            reply.header(key, value);
          });
          reply.status(response.status);
          return reply.send(await response.text());
        },
      });
    })(),
  );
}

const mercurius = await optional('mercurius');
if (mercurius) {
  variants.set(
    'mercurius',
    await bare(async (app) => {
      await app.register(mercurius.default as never, { schema, context, jit: 1, graphiql: false } as never);
    })(),
  );
}

// Every variant answers the same data before anything is timed.
const expected = JSON.parse((await variants.get('basalt')!()).body).data;
if (!expected?.books?.items?.length) throw new Error('basalt answered no books');
for (const [name, run] of variants) {
  if (name === 'rest') continue;
  const { statusCode, body } = await run();
  const data = JSON.parse(body).data;
  if (statusCode !== 200 || JSON.stringify(data) !== JSON.stringify(expected))
    throw new Error(`${name} answered ${statusCode} ${body.slice(0, 300)}`);
}

const samples = new Map<string, number[]>([...variants.keys()].map((k) => [k, []]));
for (let round = 0; round < ROUNDS + 1; round += 1) {
  for (const [name, run] of round % 2 === 0 ? [...variants] : [...variants].reverse()) {
    const start = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i += 1) await run();
    const used = process.cpuUsage(start);
    // Round 0 warms every variant up (JIT, caches) and is not kept.
    if (round > 0) samples.get(name)!.push((used.user + used.system) / PER_ROUND);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rest = median(samples.get('rest')!);
console.log(`${ROUNDS} rounds × ${PER_ROUND} requests, node ${process.version}`);
console.log('variant       CPU µs/req (median)   vs REST');
for (const [name, xs] of samples)
  console.log(
    `${name.padEnd(13)} ${median(xs).toFixed(1).padStart(10)}            ${(median(xs) / rest).toFixed(2)}×`,
  );
await client.close();
