// Where the time of a download through Basalt goes: the same object fetched directly with
// the AWS SDK, through a bare node:http server streaming GetObject (plain-server.ts: the
// floor of any server in the middle) and through Basalt, interleaved round by round, with
// each server's CPU time per download; Basalt optionally under --cpu-prof.
//
//   node --conditions=basalt-source --import tsx bench/storage/profile.ts [--size 50] [--rounds 9] [--cpu-prof DIR]
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startServer } from '../lib/servers.js';

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '9' },
    'cpu-prof': { type: 'string' },
  },
});
const MB = 1024 * 1024;
const size = Number(flags.size) * MB;
const rounds = Number(flags.rounds);
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function drain(stream: AsyncIterable<Buffer | Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const part of stream) bytes += part.length;
  return bytes;
}
const download = (url: string) =>
  new Promise<number>((resolve, reject) => {
    request(url, (res) => drain(res).then(resolve, reject))
      .on('error', reject)
      .end();
  });
/** CPU seconds (user + system) a process has used so far. */
const cpu = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const s3 = await startServer({ name: 's3rver', entry: 'bench/storage/s3-server.js' });
const env = {
  STORAGE_URL: `s3://${credentials.accessKeyId}:${credentials.secretAccessKey}@bench?endpoint=${s3.url}&region=us-east-1`,
  SECRET_KEY: 'bench-secret-key-of-reasonable-length-0123456789',
};
const basalt = await startServer(
  { name: 'basalt', entry: 'bench/storage/server.ts' },
  { env, nodeArgs: flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [] },
);
const plain = await startServer({ name: 'plain', entry: 'bench/storage/plain-server.ts' }, { env });
const client = new S3Client({ region: 'us-east-1', endpoint: s3.url, forcePathStyle: true, credentials });
try {
  await new Upload({
    client,
    params: { Bucket: 'bench', Key: 'profile/object', Body: randomBytes(size) },
  }).done();
  const ways: Record<string, { pid?: number; fetch: () => Promise<number> }> = {
    direct: {
      fetch: async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'profile/object' }));
        return drain(out.Body as Readable);
      },
    },
    plain: { pid: plain.pid, fetch: () => download(`${plain.url}/files/profile/object`) },
    basalt: { pid: basalt.pid, fetch: () => download(`${basalt.url}/streamed/profile/object`) },
  };
  const seconds: Record<string, number[]> = { direct: [], plain: [], basalt: [] };
  const cpuSeconds: Record<string, number[]> = { plain: [], basalt: [] };
  for (let round = 0; round < rounds; round += 1)
    for (const [name, way] of Object.entries(ways)) {
      const cpuBefore = way.pid ? cpu(way.pid) : 0;
      const start = process.hrtime.bigint();
      if ((await way.fetch()) !== size) throw new Error(`${name}: short download`);
      seconds[name]!.push(Number(process.hrtime.bigint() - start) / 1e9);
      if (way.pid) cpuSeconds[name]!.push(cpu(way.pid) - cpuBefore);
    }
  for (const [name, xs] of Object.entries(seconds)) {
    const used = cpuSeconds[name];
    console.log(
      `${name.padEnd(7)} ${(size / MB / median(xs)).toFixed(1).padStart(7)} MB/s` +
        (used ? `, server CPU ${((median(used) * 1000) / (size / MB)).toFixed(1)} ms/MB` : '') +
        `  (${xs.map((x) => x.toFixed(2)).join(' ')} s)`,
    );
  }
} finally {
  client.destroy();
  await basalt.stop();
  await plain.stop();
  await s3.stop();
}
