// The fortunes page three ways in one Basalt app on the TechEmpower database: `/literal`
// (`get` + bench/techempower's template literal), `/tsx` (`get` + a TSX template) and `/page`
// (`page()` + the same template). fortunes-ab.tsx times them in-process, fortunes-http.js over
// HTTP; fortunes-server.ts serves the app.
import { type BasaltApp, createApp, defineApp, get } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { type Html, page } from 'basalt/views';
import { DATABASE_URL } from '../techempower/setup.js';
import { type Fortune as FortuneRow, HTML, renderFortunes, withExtraFortune } from '../techempower/shared.js';

const Fortune = defineModel('fortune', { message: f.string({ max: 2048 }) }, { table: 'fortune' });

/** The TechEmpower fortunes page as a TSX template (byte-identical to the template literal's). */
export function FortunesPage(props: { fortunes: readonly FortuneRow[] }): Html {
  return (
    // biome-ignore lint/a11y/useHtmlLang: the markup the TechEmpower fortunes test specifies
    <html>
      <head>
        <title>Fortunes</title>
      </head>
      <body>
        <table>
          <tr>
            <th>id</th>
            <th>message</th>
          </tr>
          {props.fortunes.map((fortune) => (
            <tr>
              <td>{fortune.id}</td>
              <td>{fortune.message}</td>
            </tr>
          ))}
        </table>
      </body>
    </html>
  );
}

const routes = [
  get('/literal', {}, async ({ db, reply }) => {
    const rows = await db.query(Fortune).all();
    reply.header('server', 'Basalt').header('content-type', HTML);
    return renderFortunes(withExtraFortune(rows));
  }),
  get('/tsx', {}, async ({ db, reply }) => {
    const rows = await db.query(Fortune).all();
    reply.header('server', 'Basalt').header('content-type', HTML);
    return `<!DOCTYPE html>${(<FortunesPage fortunes={withExtraFortune(rows)} />).value}`;
  }),
  page('/page', {}, async ({ db, reply }) => {
    const rows = await db.query(Fortune).all();
    reply.header('server', 'Basalt');
    return <FortunesPage fortunes={withExtraFortune(rows)} />;
  }),
];

/** The app, in production mode with a silent log, as the TechEmpower bench runs Basalt. */
export function createFortunesApp(): Promise<BasaltApp> {
  return createApp(defineApp({ name: 'fortunes-ab', models: [Fortune], routes }), {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_URL,
    },
  });
}

/** The three variants' paths; the first is the baseline. */
export const VARIANTS = ['/literal', '/tsx', '/page'] as const;
