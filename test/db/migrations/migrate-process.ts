// Run as a separate process by concurrency.test.ts: node --conditions=basalt-source --import tsx migrate-process.ts <url> <folder>
// Prints "ready" once connected with its migrations loaded, then waits for "go" on stdin, so
// the test starts both processes' migrate at the same moment whatever their start-up took.
import { once } from 'node:events';
import { connectForMigrations } from '../../../src/db/migrations/connect.js';
import { createMigrationRunner, loadMigrations } from '../../../src/db/migrations/index.js';

const [url, folder] = process.argv.slice(2) as [string, string];
const { kysely, dialect } = connectForMigrations(url);
try {
  const runner = createMigrationRunner({ kysely, dialect, migrations: await loadMigrations(folder) });
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.pause();
  const start = Date.now();
  const result = await runner.migrate();
  process.stdout.write(JSON.stringify({ ...result, start, end: Date.now() }));
} finally {
  await kysely.destroy();
}
