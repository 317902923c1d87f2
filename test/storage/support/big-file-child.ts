// Streams a large generated file into a storage and back, in its own process, and prints
// the growth of its resident memory (peak minus baseline) as JSON on stdout.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createLocalBackend, createS3Backend } from '../../../src/storage/index.js';
import { createStorage } from '../../../src/storage/storage.js';

const [kind, target, sizeText] = process.argv.slice(2);
const size = Number(sizeText);
const chunk = randomBytes(64 * 1024);

function generated(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
      sent += part.length;
      this.push(part);
    },
  });
}

const backend =
  kind === 'local'
    ? createLocalBackend({ root: target! })
    : await createS3Backend({
        bucket: 'basalt-test',
        endpoint: target!,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
const storage = createStorage('default', backend);

// Warm up the code paths (and the SDK) on a small file first, so the baseline includes them.
const warm = await storage.save(Buffer.from('warm-up'), { prefix: 'big' });
for await (const _ of (await storage.open(warm)).stream);
await storage.delete(warm);
global.gc?.();

const baseline = process.memoryUsage().rss;
let peak = baseline;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10);

const file = await storage.save(generated(), { prefix: 'big', maxSize: size + 1 });
let read = 0;
const hash = createHash('sha256');
for await (const part of (await storage.open(file)).stream) {
  read += (part as Buffer).length;
  hash.update(part as Buffer);
}
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
await storage.delete(file);
await backend.close?.();
process.stdout.write(
  JSON.stringify({
    size: file.size,
    read,
    sameContent: hash.digest('hex') === file.checksum,
    growth: peak - baseline,
  }),
);
