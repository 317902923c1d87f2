import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineApp } from 'basalt';
import { createTestClient } from 'basalt/testing';
import { page, trustedHtml, views } from 'basalt/views';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/cli/build-app.js';

const root = mkdtempSync(join(tmpdir(), 'basalt-static-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(name: string, css: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'static', 'img'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'app.ts'), 'export const answer: number = 42;\n');
  writeFileSync(join(dir, 'static', 'app.css'), css);
  writeFileSync(join(dir, 'static', 'img', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'static', '.env'), 'SECRET_KEY=do-not-serve');
  writeFileSync(join(dir, 'secret.txt'), 'outside the static folder');
  return dir;
}

const siteOf = (options: Parameters<typeof views>[0]) =>
  defineApp({
    name: 'site',
    modules: [views(options)],
    routes: [
      page('/', {}, ({ view }) =>
        trustedHtml(
          `<link rel="stylesheet" href="${view.asset('app.css')}"><img src="${view.asset('img/logo.svg')}">`,
        ),
      ),
    ],
  });

const TRAVERSALS = [
  '/static/../secret.txt',
  '/static/%2e%2e/secret.txt',
  '/static/..%2fsecret.txt',
  '/static/img/..%2f..%2fsecret.txt',
  '/static/..%5csecret.txt',
  '/static/%2e%2e%5c%2e%2e%5csecret.txt',
  '/static/.env',
  '/static/img/%2e%2e/.env',
  '/static/%00app.css',
  '/static/app.css%00.png',
  '/static//etc/passwd',
  '/static/%2fetc%2fpasswd',
  '/static/C:%5cwindows',
];

describe('static files', () => {
  it('serves static/ in development under its own names, revalidated', async () => {
    const dir = project('dev', 'body { color: teal }');
    const client = await createTestClient(siteOf({ static: { dir: join(dir, 'static') } }));
    try {
      const home = await client.request({ url: '/' });
      expect(home.text).toBe(
        '<link rel="stylesheet" href="/static/app.css"><img src="/static/img/logo.svg">',
      );
      const css = await client.request({ url: '/static/app.css' });
      expect(css.status).toBe(200);
      expect(css.text).toBe('body { color: teal }');
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(css.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
      expect(css.headers['x-content-type-options']).toBe('nosniff');
      const again = await client.request({
        url: '/static/app.css',
        headers: { 'if-none-match': String(css.headers.etag) },
      });
      expect(again.status).toBe(304);
      const svg = await client.request({ url: '/static/img/logo.svg' });
      expect(svg.headers['content-type']).toBe('image/svg+xml');
      const head = await client.request({ method: 'HEAD', url: '/static/app.css' });
      expect(head.status).toBe(200);
      expect((await client.request({ url: '/static/missing.css' })).status).toBe(404);
    } finally {
      await client.close();
    }
  });

  it('refuses paths that leave the folder or name a dot-file (404 or 400, never the file)', async () => {
    const dir = project('traversal', 'body {}');
    const client = await createTestClient(siteOf({ static: { dir: join(dir, 'static') } }));
    try {
      for (const url of TRAVERSALS) {
        const res = await client.request({ url });
        expect([400, 404], url).toContain(res.status);
        expect(res.text, url).not.toContain('outside the static folder');
        expect(res.text, url).not.toContain('do-not-serve');
      }
    } finally {
      await client.close();
    }
  });

  it('builds hashed copies and a manifest, and serves them as immutable through view.asset()', async () => {
    const dir = project('built', 'body { color: navy }');
    const result = await buildApp({ root: dir, basaltVersion: 'test' });
    expect(result.staticFiles).toBe(2);
    const manifest = JSON.parse(readFileSync(join(dir, 'dist', 'static', '.basalt-static.json'), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual(['app.css', 'img/logo.svg']);
    const hashed: string = manifest.files['app.css'];
    expect(hashed).toMatch(/^app\.[0-9a-f]{10}\.css$/);
    expect(manifest.files['img/logo.svg']).toMatch(/^img\/logo\.[0-9a-f]{10}\.svg$/);
    expect(readFileSync(join(dir, 'dist', 'static', hashed), 'utf8')).toBe('body { color: navy }');
    expect(existsSync(join(dir, 'dist', 'static', '.env'))).toBe(false);

    const client = await createTestClient(
      siteOf({ static: { dir: join(dir, 'static'), built: join(dir, 'dist', 'static') } }),
    );
    try {
      const home = await client.request({ url: '/' });
      expect(home.text).toContain(`href="/static/${hashed}"`);
      const css = await client.request({ url: `/static/${hashed}` });
      expect(css.status).toBe(200);
      expect(css.text).toBe('body { color: navy }');
      expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // The plain name is still there, for links that cannot go through the manifest.
      const plain = await client.request({ url: '/static/app.css' });
      expect(plain.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
      for (const url of TRAVERSALS) expect([400, 404], url).toContain((await client.request({ url })).status);
    } finally {
      await client.close();
    }

    // A change of content is a new name.
    writeFileSync(join(dir, 'static', 'app.css'), 'body { color: red }');
    await buildApp({ root: dir, basaltVersion: 'test' });
    const next = JSON.parse(readFileSync(join(dir, 'dist', 'static', '.basalt-static.json'), 'utf8'));
    expect(next.files['app.css']).not.toBe(hashed);
  });

  it('points url() in hashed CSS files to the hashed names of the files they name', async () => {
    const css = [
      '@import "base.css";',
      "@import url('theme/dark.css');",
      '.logo { background: url(img/logo.svg) }',
      '.icon { background: url( "./img/logo.svg#shape" ) }',
      ".font { src: url('fonts/a b.woff2?v=3') format('woff2') }",
      '.gone { background: url(img/gone.png) }',
      '.data { background: url(data:image/png;base64,iVBORw0KGgo=) }',
      '.abs { background: url(/static/img/logo.svg) }',
      '.cdn { background: url(https://cdn.test/x.png) }',
      '.proto { background: url(//cdn.test/y.png) }',
      '.filter { filter: url(#blur) }',
      '/* url(img/logo.svg) in a comment stays */',
    ].join('\n');
    const dir = project('css-urls', css);
    writeFileSync(join(dir, 'static', 'base.css'), 'html { color: black }');
    mkdirSync(join(dir, 'static', 'theme'), { recursive: true });
    mkdirSync(join(dir, 'static', 'fonts'), { recursive: true });
    writeFileSync(join(dir, 'static', 'theme', 'dark.css'), 'body { background: url(../img/logo.svg) }');
    writeFileSync(join(dir, 'static', 'fonts', 'a b.woff2'), 'font');
    const result = await buildApp({ root: dir, basaltVersion: 'test' });
    expect(result.staticWarnings).toEqual([
      'app.css: url(img/gone.png) names no file of static/, left as it is',
    ]);
    const built = join(dir, 'dist', 'static');
    const files = JSON.parse(readFileSync(join(built, '.basalt-static.json'), 'utf8')).files;
    const logo: string = files['img/logo.svg'];
    const app = readFileSync(join(built, files['app.css']), 'utf8');
    expect(app).toContain(`@import "${files['base.css']}";`);
    expect(app).toContain(`@import url('${files['theme/dark.css']}');`);
    expect(app).toContain(`.logo { background: url(${logo}) }`);
    expect(app).toContain(`.icon { background: url("${logo}#shape") }`);
    expect(files['fonts/a b.woff2']).toMatch(/^fonts\/a b\.[0-9a-f]{10}\.woff2$/);
    expect(app).toContain(`.font { src: url('${encodeURI(files['fonts/a b.woff2'])}?v=3') format('woff2') }`);
    for (const kept of [
      'url(img/gone.png)',
      'url(data:image/png;base64,iVBORw0KGgo=)',
      'url(/static/img/logo.svg)',
      'url(https://cdn.test/x.png)',
      'url(//cdn.test/y.png)',
      'url(#blur)',
      '/* url(img/logo.svg) in a comment stays */',
    ])
      expect(app).toContain(kept);
    // Resolved against the CSS file's own folder, written relative to it.
    const dark = readFileSync(join(built, files['theme/dark.css']), 'utf8');
    expect(dark).toBe(`body { background: url(../${logo}) }`);
    // The hashed name follows the images it names: a new logo is a new stylesheet.
    writeFileSync(
      join(dir, 'static', 'img', 'logo.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" id="new"/>',
    );
    await buildApp({ root: dir, basaltVersion: 'test' });
    const next = JSON.parse(readFileSync(join(built, '.basalt-static.json'), 'utf8')).files;
    expect(next['img/logo.svg']).not.toBe(logo);
    expect(next['theme/dark.css']).not.toBe(files['theme/dark.css']);
    expect(next['app.css']).not.toBe(files['app.css']);
    expect(next['base.css']).toBe(files['base.css']);
  });

  it('leaves an import cycle between stylesheets as written', async () => {
    const dir = project('css-cycle', '@import "b.css"; .a { background: url(img/logo.svg) }');
    writeFileSync(join(dir, 'static', 'b.css'), '@import "app.css";');
    const result = await buildApp({ root: dir, basaltVersion: 'test' });
    expect(result.staticWarnings).toEqual([]);
    const built = join(dir, 'dist', 'static');
    const files = JSON.parse(readFileSync(join(built, '.basalt-static.json'), 'utf8')).files;
    expect(readFileSync(join(built, files['b.css']), 'utf8')).toBe('@import "app.css";');
    expect(readFileSync(join(built, files['app.css']), 'utf8')).toBe(
      `@import "${files['b.css']}"; .a { background: url(${files['img/logo.svg']}) }`,
    );
  });

  it("has the scaffold's nginx serve /static/ itself, hashed names for a year", () => {
    const conf = readFileSync(new URL('../../templates/app/nginx.conf', import.meta.url), 'utf8');
    const block = /location \/static\/ \{([\s\S]*?)\n {4}\}/.exec(conf)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain('root /srv;');
    expect(block).toContain('try_files $uri =404;');
    expect(block).toContain('add_header Cache-Control "public, max-age=31536000, immutable" always;');
    expect(block).not.toContain('proxy_pass');
    const compose = readFileSync(new URL('../../templates/app/compose.yaml', import.meta.url), 'utf8');
    expect(compose).toContain('- static:/srv/static:ro');
    expect(compose).toContain('cp -R dist/static/. /srv/static/');
  });

  const nginx = (() => {
    try {
      return execFileSync('which', ['nginx'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  })();

  it.skipIf(!nginx)("serves a build's static files with the scaffold's nginx.conf (real nginx)", async () => {
    const dir = project('nginx', 'body { color: olive }');
    await buildApp({ root: dir, basaltVersion: 'test' });
    const hashed: string = JSON.parse(
      readFileSync(join(dir, 'dist', 'static', '.basalt-static.json'), 'utf8'),
    ).files['app.css'];
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const prefix = join(root, 'nginx-run');
    mkdirSync(join(prefix, 'srv'), { recursive: true });
    execFileSync('cp', ['-R', join(dir, 'dist', 'static'), join(prefix, 'srv', 'static')]);
    execFileSync('chmod', ['-R', 'a+rX', join(prefix, 'srv')]);
    // nginx's workers run as an unprivileged user: they must reach the files through the temp folder.
    chmodSync(root, 0o755);
    chmodSync(prefix, 0o755);
    const site = readFileSync(new URL('../../templates/app/nginx.conf', import.meta.url), 'utf8')
      .replace('server app:3000;', 'server 127.0.0.1:9;')
      .replace('listen 80;', `listen 127.0.0.1:${port};`)
      .replace('root /srv;', `root ${join(prefix, 'srv')};`);
    writeFileSync(join(prefix, 'site.conf'), site);
    const temp = join(prefix, 'tmp');
    mkdirSync(temp);
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log; events {}
http { access_log off; client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp}; uwsgi_temp_path ${temp}; scgi_temp_path ${temp};
${existsSync('/etc/nginx/mime.types') ? 'include /etc/nginx/mime.types;' : ''} include ${prefix}/site.conf; }\n`,
    );
    const child = spawn(nginx!, ['-c', join(prefix, 'nginx.conf'), '-p', prefix], { stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 10_000;
      let css: Response | undefined;
      while (Date.now() < deadline) {
        css = await fetch(`${base}/static/${hashed}`).catch(() => undefined);
        if (css) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(css?.status).toBe(200);
      expect(await css!.text()).toBe('body { color: olive }');
      expect(css!.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const plain = await fetch(`${base}/static/app.css`);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
      expect((await fetch(`${base}/static/.basalt-static.json`)).status).toBe(404);
      expect((await fetch(`${base}/static/missing.css`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
