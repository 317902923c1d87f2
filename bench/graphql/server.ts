// The GraphQL suite's server (the app is in app.ts), listening for the load generator: the
// suite sends its REST request or its GraphQL request to it.
import { createGraphQLBenchApp } from './app.js';

const app = await createGraphQLBenchApp();
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`basalt listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
