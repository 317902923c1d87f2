import { defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { jobs } from 'basalt/jobs';
import { storage } from 'basalt/storage';
import { me, notes } from './api.js';
import { Note } from './models.js';
import { noteCreated } from './tasks.js';

/**
 * The app. Its default export is how the `basalt` command finds it (`"basalt": { "app" }` in
 * package.json). Settings come from the environment and `.env` (see `.env.example`).
 */
export default defineApp({
  name: 'my-app',
  info: { title: 'my-app API', version: '0.1.0' },
  // Users, groups, permissions and `POST /auth/token`; files (STORAGE_URL); background jobs
  // (in the database, or in Redis with JOBS_BACKEND=redis).
  modules: [auth(), storage(), jobs({ tasks: [noteCreated] })],
  // Every endpoint without a limit of its own: 600 requests a minute per user (per IP when
  // anonymous); answers carry the RateLimit-* headers, a 429 says when to retry.
  rateLimit: { max: 600, window: '1m', key: 'user' },
  models: [Note],
  routes: [...notes.routes, me],
  migrations: new URL('./migrations', import.meta.url),
});
