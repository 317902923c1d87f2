// bench:scale (issue 24): the bookshop's books list at 1,000,000 rows on PostgreSQL and on
// SQLite, each request of the issue's table before (today's code path: exact counts, offset
// pages, LIKE search, no ordering/filter indexes) and after (the indexes makemigrations now
// writes, estimated counts, keyset past the page depth, the trigram search index), single
// client and under load, through the whole HTTP stack (Fastify's inject, no socket).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BasaltApp, createApp, defineApp } from 'basalt';
import { createDatabase, sql } from 'basalt/db';
import { resource } from 'basalt/rest';
import { cursorOfRow } from '../../src/db/internal.js';
import {
  Book,
  createBareTables,
  createIndexes,
  dropIndexes,
  fill,
  hasIndexes,
  models,
  type ScaleDb,
} from './catalogue.js';

const USAGE = `Usage: npm run bench:scale -- [--dialect sqlite|postgres] [--books N] [--rounds N] [--rebuild] [--skip-before] [--keep-indexes] [--out file]

Builds the catalogue once (PostgreSQL database 'scale', SQLite node_modules/.scratch/scale.sqlite),
then times each request single-client (p50 of --rounds) and under load (8 in flight), before and
after, and writes bench/results/2026-12-05-scale.md (--out: another file). Run it under
flock /tmp/bench.lock. --skip-before measures "after" only; with --keep-indexes it also keeps
the indexes a previous run made (about 10-40 s saved; they are made again if any is missing).`;

const { values: flags } = parseArgs({
  options: {
    dialect: { type: 'string' },
    books: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '15' },
    rebuild: { type: 'boolean', default: false },
    'skip-before': { type: 'boolean', default: false },
    'keep-indexes': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const BOOKS = Number(flags.books);
const AUTHORS = 1000;
const ROUNDS = Number(flags.rounds);
const LOAD = 8;
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const PG_URL = process.env.BENCH_SCALE_URL ?? 'postgres://postgres@127.0.0.1:5432/scale';
const SQLITE_FILE = fileURLToPath(new URL('../../node_modules/.scratch/scale.sqlite', import.meta.url));
const DIALECTS = (flags.dialect ? [flags.dialect] : ['postgres', 'sqlite']) as ('sqlite' | 'postgres')[];

type Phase = 'before' | 'after';
interface Timing {
  single: number;
  load: number;
  perSecond: number;
  status: number;
}

/** The books resource as the bookshop declares it; "before" pins today's behaviour. */
function booksResource(phase: Phase) {
  return resource(Book, {
    path: '/api/books',
    include: ['author'],
    filters: { author: true, price: ['lt', 'lte', 'gt', 'gte'], publishedOn: ['lt', 'gte', 'isNull'] },
    ordering: ['title', 'price', 'publishedOn', 'createdAt'],
    permissions: { read: 'anyone', write: 'anyone' },
    ...(phase === 'before'
      ? {
          search: ['title', 'isbn'],
          count: 'exact' as const,
          pagination: { style: 'page' as const, maxOffset: Number.MAX_SAFE_INTEGER },
        }
      : { search: { fields: ['title', 'isbn'], mode: 'contains' as const } }),
  });
}

async function appFor(url: string, phase: Phase): Promise<BasaltApp> {
  const app = await createApp(
    defineApp({ name: `scale-${phase}`, models: [...models], routes: [...booksResource(phase).routes] }),
    {
      envFile: false,
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
        LOG_LEVEL: 'silent',
        DATABASE_URL: url,
        ALLOWED_HOSTS: 'localhost',
      },
    },
  );
  await app.start();
  return app;
}

async function call(app: BasaltApp, path: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const answer = await app.fastify.inject({ method: 'GET', url: path, headers: { host: 'localhost' } });
  return { ms: performance.now() - started, status: answer.statusCode };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(app: BasaltApp, path: string, rounds: number): Promise<Timing> {
  const first = await call(app, path); // warm: statement caches, pages in memory
  const single: number[] = [];
  for (let i = 0; i < rounds; i += 1) single.push((await call(app, path)).ms);
  const loaded: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LOAD }, async () => {
      for (let i = 0; i < Math.max(2, Math.ceil(rounds / 2)); i += 1) loaded.push((await call(app, path)).ms);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    single: median(single),
    load: median(loaded),
    perSecond: loaded.length / seconds,
    status: first.status,
  };
}

function ensurePostgresDatabase(): void {
  const exists = execFileSync(
    'psql',
    [PG_ADMIN, '-Atc', "select 1 from pg_database where datname = 'scale'"],
    {
      encoding: 'utf8',
    },
  ).trim();
  if (exists !== '1') execFileSync('createdb', ['-h', '127.0.0.1', '-U', 'postgres', 'scale']);
}

async function open(dialect: 'sqlite' | 'postgres'): Promise<{ db: ScaleDb; url: string; built: number }> {
  const url = dialect === 'postgres' ? PG_URL : `sqlite:${SQLITE_FILE}`;
  if (dialect === 'postgres') ensurePostgresDatabase();
  else
    mkdirSync(fileURLToPath(new URL('../../node_modules/.scratch/', import.meta.url)), { recursive: true });
  const db = createDatabase({ url, models });
  const present = await sql<{ n: number }>`select count(*) as n from book`
    .execute(db.kysely)
    .then((r) => Number(r.rows[0]?.n ?? 0))
    .catch(() => -1);
  if (present === BOOKS && !flags.rebuild) {
    // Both phases on a vacuumed table, as autovacuum leaves one (visibility map, statistics).
    if (dialect === 'postgres') await sql.raw('vacuum analyze').execute(db.kysely);
    return { db, url, built: 0 };
  }
  await sql.raw('drop table if exists book').execute(db.kysely);
  await sql.raw('drop table if exists author').execute(db.kysely);
  await dropIndexes(db, dialect);
  const started = performance.now();
  await createBareTables(db, dialect);
  await fill(db, dialect, BOOKS, AUTHORS);
  return { db, url, built: (performance.now() - started) / 1000 };
}

/** The request the issue's deep page makes: page 40,000 (before), the cursor at the same row (after). */
async function deepPath(db: ScaleDb, phase: Phase): Promise<string> {
  const page = Math.min(40_000, Math.floor(BOOKS / 20));
  if (phase === 'before') return `/api/books?page=${page}`;
  const [row] = await db
    .query(Book)
    .orderBy('title', 'id')
    .offset((page - 1) * 20 - 1)
    .limit(1)
    .all();
  return `/api/books?cursor=n.${cursorOfRow(Book, ['title', 'id'], row as never)}`;
}

const REQUESTS = (deep: string) => [
  ['GET /api/books/500000', `/api/books/${Math.min(500_000, BOOKS)}`],
  ['GET /api/books (ordering title, page 1)', '/api/books'],
  ['GET /api/books?ordering=-price', '/api/books?ordering=-price'],
  ['GET /api/books?price[lt]=2', '/api/books?price%5Blt%5D=2'],
  ['GET /api/books?include=author', '/api/books?include=author'],
  ['deep page (before: ?page=40000; after: the cursor of that row)', deep],
  ['GET /api/books?search=title%20999999', '/api/books?search=title%20999999'],
  // A full first page (280 matches): the count runs after the page.
  ['GET /api/books?search=9999 (a full page, counted)', '/api/books?search=9999'],
];

const results: Record<string, Record<Phase, Timing[]> & { names: string[]; built: number; indexed: number }> =
  {};
for (const dialect of DIALECTS) {
  const { db, url, built } = await open(dialect);
  console.log(`${dialect}: ${BOOKS} books ${built ? `built in ${built.toFixed(1)} s` : 'already there'}`);
  const entry = { before: [] as Timing[], after: [] as Timing[], names: [] as string[], built, indexed: 0 };
  results[dialect] = entry;
  for (const phase of flags['skip-before'] ? (['after'] as const) : (['before', 'after'] as const)) {
    if (phase === 'before') await dropIndexes(db, dialect);
    else if (flags['skip-before'] && flags['keep-indexes'] && (await hasIndexes(db, dialect)))
      console.log(`${dialect}: indexes kept from an earlier run`);
    else {
      if (flags['skip-before']) await dropIndexes(db, dialect);
      entry.indexed = await createIndexes(db, dialect);
      console.log(`${dialect}: indexes and search index in ${entry.indexed.toFixed(1)} s`);
    }
    const app = await appFor(url, phase);
    const requests = REQUESTS(await deepPath(db, phase));
    entry.names = requests.map(([name]) => name!);
    for (const [name, path] of requests) {
      const timing = await measure(
        app,
        path!,
        phase === 'before' ? Math.max(3, Math.ceil(ROUNDS / 3)) : ROUNDS,
      );
      entry[phase].push(timing);
      console.log(
        `${dialect} ${phase} ${name}: ${timing.status} p50 ${timing.single.toFixed(1)} ms, under load (${LOAD}) p50 ${timing.load.toFixed(1)} ms, ${timing.perSecond.toFixed(0)}/s`,
      );
    }
    await app.stop();
  }
  await db.close();
}

const load = loadavg()
  .map((n) => n.toFixed(1))
  .join(' ');
const lines = [
  '# bench:scale — lists and search at 1,000,000 books (issue 24)',
  '',
  `\`npm run bench:scale\` (${BOOKS.toLocaleString('en')} books, ${AUTHORS} authors; ${cpus().length} CPUs, load average at the end ${load}; run under \`flock /tmp/bench.lock\`).`,
  'Each request goes through the whole app (routing, validation, the operation layer, serialization) with',
  "Fastify's inject, no socket. *Single*: p50 of sequential requests after one warm-up. *Load*: p50 with 8",
  "requests in flight, and the requests per second they achieved. *Before*: today's code path — no",
  "ordering/filter indexes, `count: 'exact'`, offset pages at any depth, `LIKE` search. *After*: the",
  'indexes `makemigrations` now writes plus the declared ones, estimated counts, keyset past the page',
  "depth, `search: { mode: 'contains' }` with its index.",
  '',
];
for (const [dialect, entry] of Object.entries(results)) {
  lines.push(
    `## ${dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
    '',
    entry.built ? `Catalogue built in ${entry.built.toFixed(0)} s; ` : '',
    `indexes and the search index created in ${entry.indexed.toFixed(0)} s.`,
    '',
    '| request | before: single p50 | after: single p50 | after: load p50 | after: req/s (8 in flight) | status before → after |',
    '|---|---|---|---|---|---|',
  );
  entry.names.forEach((name, i) => {
    const b = entry.before[i] ?? { single: Number.NaN, status: 0 };
    const a = entry.after[i]!;
    lines.push(
      `| ${name} | ${b.single.toFixed(1)} ms | ${a.single.toFixed(1)} ms | ${a.load.toFixed(1)} ms | ${a.perSecond.toFixed(0)} | ${b.status} → ${a.status} |`,
    );
  });
  lines.push('');
}
const out = flags.out ?? fileURLToPath(new URL('../results/2026-12-05-scale.md', import.meta.url));
if (!existsSync(fileURLToPath(new URL('../results/', import.meta.url))))
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)));
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`wrote ${out}`);
