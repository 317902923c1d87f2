// The raw Fastify 5 + pg TechEmpower server (the app itself is in fastify-app.ts).
import { createFastifyApp } from './fastify-app.js';
import { serve } from './shared.js';

await serve('fastify', async (port) => {
  const { app, pool } = createFastifyApp();
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: async () => {
      await app.close();
      await pool.end();
    },
  };
});
