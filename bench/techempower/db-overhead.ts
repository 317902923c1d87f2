// What Basalt's data layer costs on top of pg, per operation, in one process: the TechEmpower
// statements through the query API and model operations next to the same statements on a
// pg Pool, ten in flight, CPU µs per operation (the database server's CPU is not counted).
//   node --conditions=basalt-source --import tsx bench/techempower/db-overhead.ts [get|fortunes|update ...]
// Run it under `flock /tmp/bench.lock`; the numbers move ±30 % on a busy machine.
import { createDatabase, defineModel, f } from 'basalt/db';
import pg from 'pg';
import { BASE_URL, DATABASE_URL, ensurePostgres, POOL_SIZE, prepareDatabase, SCHEMA } from './setup.js';
import { randomId } from './shared.js';

const World = defineModel('world', { randomNumber: f.integer() }, { table: 'world' });
const Fortune = defineModel('fortune', { message: f.string({ max: 2048 }) }, { table: 'fortune' });

await ensurePostgres();
await prepareDatabase();
const db = createDatabase({ url: DATABASE_URL, models: [World, Fortune] });
const pool = new pg.Pool({ connectionString: BASE_URL, max: POOL_SIZE, options: `-c search_path=${SCHEMA}` });

const cases: Record<string, () => Promise<unknown>> = {
  'pg get': () =>
    pool.query('select id, random_number as "randomNumber" from world where id = $1', [randomId()]),
  'basalt get': () => db.query(World).get(randomId()),
  'pg fortunes': () => pool.query('select id, message from fortune'),
  'basalt fortunes': () => db.query(Fortune).all(),
  'pg update': () =>
    pool.query('update world set random_number = $2 where id = $1', [randomId(), randomId()]),
  // What db.update sends: the row comes back (RETURNING), which pg then parses.
  'pg update returning': () =>
    pool.query('update world set random_number = $1 where id = $2 returning id, random_number', [
      randomId(),
      randomId(),
    ]),
  'basalt update': () => db.update(World, randomId(), { randomNumber: randomId() }),
};

async function run(operation: () => Promise<unknown>, total: number): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started += 1;
      await operation();
    }
  };
  await Promise.all(Array.from({ length: 10 }, lane));
}

const only = process.argv.slice(2);
for (const [name, operation] of Object.entries(cases)) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  const n = name.includes('update') ? 4000 : 10_000;
  await run(operation, 2000);
  const cpu = process.cpuUsage();
  await run(operation, n);
  const used = process.cpuUsage(cpu);
  console.log(`${name.padEnd(20)} ${((used.user + used.system) / n).toFixed(1).padStart(6)} µs CPU/op`);
}
await db.close();
await pool.end();
