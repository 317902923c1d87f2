// The auth benchmark's reference on raw Fastify 5: the same answer, no authentication.
import Fastify from 'fastify';

const response = {
  200: {
    type: 'object',
    properties: { id: { type: 'integer' }, email: { type: 'string' } },
    required: ['id', 'email'],
  },
} as const;

const app = Fastify({ logger: false });
app.get('/whoami', { schema: { response } }, async () => ({ id: 1, email: 'bench@example.com' }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
console.log(`fastify listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
