// Run as a separate process by concurrency.test.ts: node --conditions=source --import tsx migrate-process.ts <url> <folder>
import { connectForMigrations } from '../../../src/db/migrations/connect.js';
import { createMigrationRunner, loadMigrations } from '../../../src/db/migrations/index.js';

const [url, folder] = process.argv.slice(2) as [string, string];
const { kysely, dialect } = connectForMigrations(url);
try {
  const runner = createMigrationRunner({ kysely, dialect, migrations: await loadMigrations(folder) });
  const start = Date.now();
  const result = await runner.migrate();
  process.stdout.write(JSON.stringify({ ...result, start, end: Date.now() }));
} finally {
  await kysely.destroy();
}
