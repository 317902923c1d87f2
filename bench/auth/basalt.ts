// The auth benchmark on Basalt: one endpoint answering who is calling. With BENCH_AUTH=jwt the
// app uses auth() and the endpoint requires a bearer token (verified, user loaded from
// SQLite on every request); jwt-token builds the user from the token's claims
// (`bearerUser: 'token'`, no query); BENCH_AUTH=open installs auth() but leaves the endpoint
// open (the same app without verification); with BENCH_AUTH=none the app has no auth module.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defineApp, get, t } from 'basalt';
import { auth, getAuth } from 'basalt/auth';

const mode = process.env.BENCH_AUTH ?? 'none';
const withAuth = mode === 'jwt' || mode === 'jwt-token';
const withModule = withAuth || mode === 'open';
const Whoami = t.Object({ id: t.Integer(), email: t.String() });

const whoami = withAuth
  ? get('/whoami', { auth: 'required', response: Whoami }, ({ user }) => ({
      id: Number(user!.id),
      email: String(user!.email),
    }))
  : get('/whoami', { response: Whoami }, () => ({ id: 1, email: 'bench@example.com' }));

const dir = mkdtempSync(join(tmpdir(), 'basalt-bench-auth-'));
const app = await createApp(
  defineApp({
    name: 'bench-auth',
    modules: withModule ? [auth({ bearerUser: mode === 'jwt-token' ? 'token' : 'database' })] : [],
    routes: [whoami],
  }),
  {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
      ACCESS_TOKEN_LIFETIME: '3600',
    },
  },
);
if (withModule && app.db) {
  await app.db.createTables();
  await getAuth(app).createUser(app.db, { email: 'bench@example.com', password: 'bench password 2026' });
}
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`basalt listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
