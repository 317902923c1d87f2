import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, httpGet, killAll, startBasalt, tempProject, waitUntil } from './basalt-process.js';

function versionApp(version: string): string {
  return [
    "import { defineApp, get, t } from 'basalt';",
    '',
    "export default defineApp({ name: 'dev-fixture', routes: [",
    `  get('/version', { response: t.Object({ version: t.String(), env: t.String() }) }, () => ({ version: '${version}', env: process.env.NODE_ENV ?? '' })),`,
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
  it('restarts the app when its file changes', async () => {
    const project = tempProject({ 'app.ts': versionApp('one') });
    cleanups.push(project.remove);
    const port = await freePort();
    const dev = startBasalt(['dev', '--port', String(port)], { cwd: project.dir });

    await waitUntil(async () => (await versionOn(port)) !== undefined, {
      message: () => `the app never answered:\n${dev.output()}`,
    });
    expect(await versionOn(port)).toEqual({ version: 'one', env: 'development' });

    const file = join(project.dir, 'app.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("'one'", "'two'"));
    await waitUntil(async () => (await versionOn(port))?.version === 'two', {
      message: () => `the change was never served:\n${dev.output()}`,
    });
    expect(dev.output()).toContain('[basalt dev] app.ts changed; restarting');

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toEqual({ code: 0, signal: null });
    expect(await versionOn(port)).toBeUndefined();
  }, 90_000);
});
