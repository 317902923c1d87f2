// The Basalt side of the storage benchmark: uploads stream into STORAGE_URL (the s3rver);
// downloads are redirected to it (serve's default on S3) or streamed back out of it. Prints "listening on http://…" once ready.
import { createApp, defineApp } from '../../src/app/index.js';
import { get, post, t } from '../../src/http/index.js';
import { storage } from '../../src/storage/index.js';

const routes = [
  post('/upload', { streamBody: true }, async (ctx) => {
    const { file } = await ctx.storage.upload(ctx, { maxSize: 2 * 1024 ** 3, prefix: 'bench' });
    return file;
  }),
  // What serve() does by default: on S3, a 302 to a presigned URL of the object.
  get('/files/*', { params: t.Object({ '*': t.String() }) }, (ctx) =>
    ctx.storage.serve(ctx, { key: ctx.params['*'] }, { disposition: 'attachment' }),
  ),
  // The same download streamed through the app (serve's `redirect: false`).
  get('/streamed/*', { params: t.Object({ '*': t.String() }) }, (ctx) =>
    ctx.storage.serve(ctx, { key: ctx.params['*'] }, { disposition: 'attachment', redirect: false }),
  ),
];

const app = await createApp(defineApp({ name: 'storage-bench', modules: [storage()], routes }), {
  envFile: false,
});
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`basalt listening on ${address.url}`);
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
