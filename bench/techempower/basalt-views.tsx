// The Basalt TechEmpower server with `/fortunes` rendered by basalt/views: a `page()` whose
// handler answers the TSX template (bench/views/fortunes-app.tsx), everything else as basalt.ts.
// The suite's fortunes row then compares the template engine with the template literal in one run.
import { page } from 'basalt/views';
import { FortunesPage } from '../views/fortunes-app.js';
import { createTechEmpowerApp, Fortune } from './basalt-app.js';
import { serve, withExtraFortune } from './shared.js';

const fortunes = page('/fortunes', {}, async ({ db, reply }) => {
  const rows = await db.query(Fortune).all();
  reply.header('server', 'Basalt');
  return <FortunesPage fortunes={withExtraFortune(rows)} />;
});

await serve('basalt-views', async (port) => {
  const app = await createTechEmpowerApp(fortunes);
  const address = await app.listen({ port, host: '127.0.0.1' });
  return { port: address.port, stop: () => app.stop() };
});
