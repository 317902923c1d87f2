// The benchmark endpoint on raw Fastify 5: the same JSON schemas for querystring validation
// and response serialization, Fastify's default Ajv and fast-json-stringify, no plugins.
import Fastify from 'fastify';

const querystring = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 50 },
    times: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
  },
  required: ['name'],
} as const;

const response = {
  200: {
    type: 'object',
    properties: { message: { type: 'string' }, times: { type: 'integer' }, at: { type: 'number' } },
    required: ['message', 'times', 'at'],
  },
} as const;

interface HelloQuery {
  name: string;
  times: number;
}

const app = Fastify({ logger: false });
app.get<{ Querystring: HelloQuery }>('/hello', { schema: { querystring, response } }, async (request) => ({
  message: `hello ${request.query.name}`,
  times: request.query.times,
  at: Date.now(),
}));

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
console.log(`fastify listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
