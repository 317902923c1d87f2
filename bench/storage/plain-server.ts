// A bare node:http server streaming GetObject bodies to the client, with no framework: the
// floor of what any server in the middle costs on the download path (bench/storage/profile.ts).
import { createServer } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

const url = new URL(process.env.STORAGE_URL!.replace(/^s3:/, 'http:'));
const client = new S3Client({
  region: 'us-east-1',
  endpoint: url.searchParams.get('endpoint')!,
  forcePathStyle: true,
  credentials: { accessKeyId: url.username, secretAccessKey: url.password },
});
const server = createServer(async (req, res) => {
  const key = decodeURIComponent(req.url!.replace(/^\/files\//, ''));
  const out = await client.send(new GetObjectCommand({ Bucket: url.hostname, Key: key }));
  res.writeHead(200, {
    'content-type': out.ContentType ?? 'application/octet-stream',
    'content-length': String(out.ContentLength),
  });
  await pipeline(out.Body as Readable, res).catch(() => undefined);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(
    `plain listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  );
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
