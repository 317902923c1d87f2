// s3rver (an S3-compatible server from npm) on 127.0.0.1 in its own process, for the
// storage benchmark: prints "listening on http://127.0.0.1:<port>".
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const directory = mkdtempSync(join(tmpdir(), 'basalt-bench-s3-'));
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  silent: true,
  directory,
  configureBuckets: [{ name: 'bench' }],
});
const { port } = await server.run();
console.log(`s3rver listening on http://127.0.0.1:${port}`);
const stop = async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
