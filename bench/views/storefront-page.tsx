// The storefront-list bench's page (storefront-app.tsx), listening for the load generator.
import { createApp, defineApp } from 'basalt';
import { Author, Book } from '../db/schema.js';
import { DATABASE_URL, prepareRestBench } from '../rest/setup.js';
import { listPage } from './storefront-app.js';

await prepareRestBench();
const app = await createApp(
  defineApp({ name: 'bench-storefront', models: [Author, Book], routes: [listPage] }),
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
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`storefront page listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
