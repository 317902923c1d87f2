import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Backend, type StorageBackend } from '../../src/storage/index.js';
import { type S3TestServer, startS3Server } from './support/s3-server.js';

const MB = 1024 * 1024;

/** A forwarding proxy in front of s3rver that records what each request really carried. */
async function recordingProxy(target: string): Promise<{
  endpoint: string;
  seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}> {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const forwarded = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (error) => res.destroy(error));
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('S3 uploads and payload signing', () => {
  let s3: S3TestServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const backends: StorageBackend[] = [];
  const backend = async (signPayload?: boolean) => {
    const created = await createS3Backend({
      bucket: s3.bucket,
      endpoint: proxy.endpoint,
      credentials: s3.credentials,
      ...(signPayload === undefined ? {} : { signPayload }),
    });
    backends.push(created);
    return created;
  };
  const uploads = () =>
    proxy.seen.filter((r) => r.method === 'PUT' && !r.url.includes('x-id=CreateMultipartUpload'));

  beforeAll(async () => {
    s3 = await startS3Server();
    proxy = await recordingProxy(s3.endpoint);
  });
  afterAll(async () => {
    for (const b of backends) await b.close?.();
    await proxy?.close();
    await s3?.close();
  });

  it('sends parts and single uploads as UNSIGNED-PAYLOAD with a CRC32 checksum by default, and the bytes round-trip', async () => {
    const store = await backend();
    const big = randomBytes(11 * MB); // three 5 MiB parts
    const small = randomBytes(1000);
    proxy.seen.length = 0;
    await store.put('big.bin', Readable.from([big.subarray(0, 4 * MB), big.subarray(4 * MB)]));
    await store.put('small.bin', Readable.from([small]));
    const sent = uploads();
    expect(sent.filter((r) => r.url.includes('partNumber=')).length).toBe(3);
    expect(sent.length).toBe(4);
    for (const r of sent) {
      expect(r.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      expect(r.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      // The hash's header is one of the signed ones: it cannot be swapped in transit.
      expect(r.headers.authorization).toContain('x-amz-content-sha256');
    }
    expect((await readAll((await store.get('big.bin')).stream)).equals(big)).toBe(true);
    expect((await readAll((await store.get('small.bin')).stream)).equals(small)).toBe(true);
  });

  it('signs the SHA-256 of every part with signPayload: true', async () => {
    const store = await backend(true);
    const big = randomBytes(6 * MB);
    proxy.seen.length = 0;
    await store.put('signed.bin', Readable.from([big]));
    const sent = uploads();
    expect(sent.length).toBe(2);
    for (const r of sent) expect(r.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect((await readAll((await store.get('signed.bin')).stream)).equals(big)).toBe(true);
  });
});
