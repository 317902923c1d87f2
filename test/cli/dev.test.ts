import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, httpGet, killAll, startBasalt, tempProject, waitUntil } from './basalt-process.js';

function versionApp(prefix: string): string {
  return [
    "import { defineApp, get, t } from 'basalt';",
    "import { version } from './lib/version.js';",
    '',
    "export default defineApp({ name: 'dev-fixture', routes: [",
    `  get('/version', { response: t.Object({ version: t.String(), env: t.String() }) }, () => ({ version: '${prefix}-' + version, env: process.env.NODE_ENV ?? '' })),`,
    '] });',
    '',
  ].join('\n');
}

async function versionOn(port: number): Promise<{ version: string; env: string } | undefined> {
  try {
    const response = await httpGet(port, '/version');
    return response.status === 200
      ? (JSON.parse(response.body) as { version: string; env: string })
      : undefined;
  } catch {
    return undefined;
  }
}

const cleanups: (() => void)[] = [];

afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('basalt dev', () => {
  it('restarts the app when its file or a file in a subfolder changes', async () => {
    const project = tempProject({
      'app.ts': versionApp('a'),
      'lib/version.ts': "export const version = 'one';\n",
    });
    cleanups.push(project.remove);
    const port = await freePort();
    const dev = startBasalt(['dev', '--port', String(port)], { cwd: project.dir });

    await waitUntil(async () => (await versionOn(port)) !== undefined, {
      message: () => `the app never answered:\n${dev.output()}`,
    });
    expect(await versionOn(port)).toEqual({ version: 'a-one', env: 'development' });

    writeFileSync(join(project.dir, 'lib/version.ts'), "export const version = 'two';\n");
    await waitUntil(async () => (await versionOn(port))?.version === 'a-two', {
      message: () => `the change in lib/ was never served:\n${dev.output()}`,
    });
    expect(dev.output()).toContain('[basalt dev] lib/version.ts changed; restarting');

    const file = join(project.dir, 'app.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("'a-'", "'b-'"));
    await waitUntil(async () => (await versionOn(port))?.version === 'b-two', {
      message: () => `the change in app.ts was never served:\n${dev.output()}`,
    });
    expect(dev.output()).toContain('[basalt dev] app.ts changed; restarting');

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toEqual({ code: 0, signal: null });
    expect(await versionOn(port)).toBeUndefined();
  }, 90_000);

  it('does not restart for uploads, data, storage folders or .gitignore entries; does for app.ts', async () => {
    const project = tempProject({
      'app.ts': versionApp('a'),
      'lib/version.ts': "export const version = 'one';\n",
      '.gitignore': 'node_modules/\nuploads/\n*.log\n',
    });
    cleanups.push(project.remove);
    // A storage folder configured in code (like the bookshop's file:./data/private) is known
    // by the .basalt folder a local storage keeps in its root.
    mkdirSync(join(project.dir, 'files', 'private', '.basalt'), { recursive: true });
    for (const folder of ['media/covers', 'data', 'uploads', 'lib/uploads', 'files/private/2026'])
      mkdirSync(join(project.dir, folder), { recursive: true });
    const port = await freePort();
    const dev = startBasalt(['dev', '--port', String(port)], { cwd: project.dir });
    await waitUntil(async () => (await versionOn(port))?.version === 'a-one', {
      message: () => `the app never answered:\n${dev.output()}`,
    });

    for (const file of [
      'media/covers/cover.png',
      'data/app.db',
      'uploads/a.png',
      'lib/uploads/b.png',
      'server.log',
      'files/private/2026/invoice.pdf',
      'local.sqlite',
    ])
      writeFileSync(join(project.dir, file), 'bytes');
    const file = join(project.dir, 'app.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("'a-'", "'b-'"));
    await waitUntil(async () => (await versionOn(port))?.version === 'b-one', {
      message: () => `the change in app.ts was never served:\n${dev.output()}`,
    });
    // The writes above came first: had any of them been seen, it would be named here.
    const restarts = dev.output().match(/\[basalt dev\] .* changed; restarting/g);
    expect(restarts).toEqual(['[basalt dev] app.ts changed; restarting']);
    expect(dev.output()).toMatch(/\[basalt dev\] restarted in \d+ ms/);
  }, 90_000);
});
