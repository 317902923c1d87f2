// The TechEmpower benchmark's database: the World (10,000 rows) and Fortune (the 12 rows of
// the specification) tables in a PostgreSQL schema of their own, created and seeded here,
// by the bench itself, before any implementation starts. Plain JavaScript: bench/run.js
// (plain Node) and the tests (TypeScript) both call it.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import pg from 'pg';

/** The schema every implementation reads: nothing else in the `test` database is touched. */
export const SCHEMA = 'techempower';

/** Connections per implementation's pool: Basalt's default, given to the others too. */
export const POOL_SIZE = 10;

/** Rows in World, as the specification says. */
export const WORLD_ROWS = 10_000;

/** The bench's PostgreSQL server: BENCH_DATABASE_URL, else TEST_DATABASE_URL (as the tests), else the local `test` database. */
export const BASE_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/** The same URL with the bench schema first on the search path (libpq's `options`). */
export const DATABASE_URL = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`;

/** The Fortune table's rows, exactly as the TechEmpower specification lists them. */
export const FORTUNES = [
  [1, 'fortune: No such file or directory'],
  [2, "A computer scientist is someone who fixes things that aren't broken."],
  [3, 'After enough decimal places, nobody gives a damn.'],
  [4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'],
  [5, 'A computer program does what you tell it to do, not what you want it to do.'],
  [6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'],
  [7, 'Any program that runs right is obsolete.'],
  [8, 'A list is only as strong as its weakest link. — Donald Knuth'],
  [9, 'Feature: A bug with seniority.'],
  [10, 'Computers make very fast, very accurate mistakes.'],
  [11, '<script>alert("This should not be displayed in a browser alert box.");</script>'],
  [12, 'フレームワークのベンチマーク'],
].map(([id, message]) => ({ id: Number(id), message: String(message) }));

/** Whether something accepts TCP connections at the URL's host and port. */
export function postgresAnswers(url = BASE_URL) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 5432), timeout: 1000 });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const HOW_TO_START =
  'Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` ' +
  '(Debian/Ubuntu), `pg_ctl -D <data dir> start`, or point BENCH_DATABASE_URL at a server ' +
  '(trust or password auth, a database the bench may create a `techempower` schema in).';

/**
 * Makes sure PostgreSQL answers at `url`: when it is the local default server and does not,
 * starts the Debian cluster (`pg_ctlcluster`), then waits up to 15 s. Throws with the
 * commands to run by hand when that is not possible.
 *
 * @param {string} [url]
 */
export async function ensurePostgres(url = BASE_URL) {
  if (await postgresAnswers(url)) return;
  const local = /@(127\.0\.0\.1|localhost)(:5432)?\//.test(url);
  let versions = [];
  try {
    versions = readdirSync('/etc/postgresql');
  } catch {
    versions = [];
  }
  if (!local || versions.length === 0) {
    throw new Error(`PostgreSQL does not answer at ${url}. ${HOW_TO_START}`);
  }
  console.log(`PostgreSQL does not answer; starting cluster ${versions[0]}/main…`);
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], {
      stdio: 'inherit',
    });
  } catch (error) {
    throw new Error(`Could not start PostgreSQL (${error.message}). ${HOW_TO_START}`);
  }
  for (let i = 0; i < 30; i += 1) {
    if (await postgresAnswers(url)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`PostgreSQL still does not answer at ${url} 15 s after starting it. ${HOW_TO_START}`);
}

/**
 * Creates the `techempower` schema with `world (id, random_number)` and `fortune (id, message)`
 * and seeds them: 10,000 worlds with random numbers 1..10000 and the 12 fortunes. Tables that
 * already hold the right rows are kept (the updates test changes only random numbers); a
 * partial or altered seed is replaced. Safe when two processes race (an advisory lock).
 *
 * @param {string} [url]
 */
export async function prepareDatabase(url = BASE_URL) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(7080)');
    await client.query(`create schema if not exists ${SCHEMA}`);
    await client.query(
      `create table if not exists ${SCHEMA}.world (id integer primary key, random_number integer not null)`,
    );
    await client.query(
      `create table if not exists ${SCHEMA}.fortune (id integer primary key, message varchar(2048) not null)`,
    );
    const worlds = await client.query(
      `select count(*)::int as n, min(id) as lo, max(id) as hi from ${SCHEMA}.world`,
    );
    const { n, lo, hi } = worlds.rows[0];
    if (n !== WORLD_ROWS || lo !== 1 || hi !== WORLD_ROWS) {
      await client.query('begin');
      await client.query(`delete from ${SCHEMA}.world`);
      await client.query(
        `insert into ${SCHEMA}.world (id, random_number)
         select i, 1 + floor(random() * 10000)::int from generate_series(1, ${WORLD_ROWS}) as i`,
      );
      await client.query('commit');
    }
    const fortunes = await client.query(`select id, message from ${SCHEMA}.fortune order by id`);
    const same =
      fortunes.rows.length === FORTUNES.length &&
      fortunes.rows.every((row, i) => row.id === FORTUNES[i]?.id && row.message === FORTUNES[i]?.message);
    if (!same) {
      await client.query('begin');
      await client.query(`delete from ${SCHEMA}.fortune`);
      await client.query(
        `insert into ${SCHEMA}.fortune (id, message) select * from unnest($1::int[], $2::text[])`,
        [FORTUNES.map((f) => f.id), FORTUNES.map((f) => f.message)],
      );
      await client.query('commit');
    }
    await client.query(`analyze ${SCHEMA}.world`);
    await client.query(`analyze ${SCHEMA}.fortune`);
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.query('select pg_advisory_unlock(7080)').catch(() => undefined);
    await client.end();
  }
}
