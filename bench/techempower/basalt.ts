// The Basalt TechEmpower server (the app itself is in basalt-app.ts).
import { createTechEmpowerApp } from './basalt-app.js';
import { serve } from './shared.js';

await serve('basalt', async (port) => {
  const app = await createTechEmpowerApp();
  const address = await app.listen({ port, host: '127.0.0.1' });
  return { port: address.port, stop: () => app.stop() };
});
