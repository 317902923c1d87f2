import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3TestServer, startS3Server } from './support/s3-server.js';

const run = promisify(execFile);
const CHILD = new URL('./support/big-file-child.ts', import.meta.url).pathname;
const MB = 1024 * 1024;

interface Measure {
  size: number;
  read: number;
  sameContent: boolean;
  growth: number;
}

/** Saves and reads back a generated file of `size` bytes in a child process; its peak RSS growth. */
async function measure(kind: 'local' | 's3', target: string, size: number): Promise<Measure> {
  const { stdout } = await run(
    process.execPath,
    [
      '--expose-gc',
      // A small young generation, so garbage not yet collected does not pass for retained memory.
      '--max-semi-space-size=2',
      '--conditions=basalt-source',
      '--import',
      'tsx',
      CHILD,
      kind,
      target,
      String(size),
    ],
    { maxBuffer: MB },
  );
  return JSON.parse(stdout) as Measure;
}

/**
 * Memory that does not grow with the file: a 100 MB file (twice the 50 MB the issue names)
 * against a 10 MB one. Buffering would add at least the 90 MB difference; streaming adds
 * the buffers of a few parts at most, whatever the size.
 */
async function expectFlat(kind: 'local' | 's3', target: string): Promise<void> {
  const small = await measure(kind, target, 10 * MB);
  const big = await measure(kind, target, 100 * MB);
  expect(big).toMatchObject({ size: 100 * MB, read: 100 * MB, sameContent: true });
  expect(small).toMatchObject({ size: 10 * MB, read: 10 * MB, sameContent: true });
  expect(big.growth - small.growth).toBeLessThan(45 * MB);
  expect(big.growth).toBeLessThan(100 * MB);
}

describe('large files stream through every backend with memory flat in file size', () => {
  let dir: string;
  let s3: S3TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'basalt-big-'));
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('local: saves and reads 100 MB with resident memory no higher than for 10 MB, within bounds', async () => {
    await expectFlat('local', dir);
  });

  it('s3: uploads (multipart) and downloads 100 MB with resident memory no higher than for 10 MB, within bounds', async () => {
    await expectFlat('s3', s3.endpoint);
  });
});
