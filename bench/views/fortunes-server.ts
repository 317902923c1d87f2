// Serves bench/views/fortunes-app.tsx on PORT (fortunes-http.js starts it).
import { serve } from '../techempower/shared.js';
import { createFortunesApp } from './fortunes-app.js';

await serve('fortunes-views', async (port) => {
  const app = await createFortunesApp();
  const address = await app.listen({ port, host: '127.0.0.1' });
  return { port: address.port, stop: () => app.stop() };
});
