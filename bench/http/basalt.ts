// The benchmark endpoint on Basalt: a validated query, a schema-serialized response.
import { createApp, defineApp, get, t } from 'basalt';

const hello = get(
  '/hello',
  {
    query: t.Object({
      name: t.String({ maxLength: 50 }),
      times: t.Integer({ minimum: 1, maximum: 10, default: 1 }),
    }),
    response: t.Object({ message: t.String(), times: t.Integer(), at: t.Number() }),
  },
  ({ query }) => ({ message: `hello ${query.name}`, times: query.times, at: Date.now() }),
);

const app = await createApp(defineApp({ name: 'bench-http', routes: [hello] }), {
  envFile: false,
  env: {
    NODE_ENV: 'production',
    SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
    LOG_LEVEL: 'silent',
  },
});
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`basalt listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
