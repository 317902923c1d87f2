// The scaffolded project ships the typed client that `npm run client` (basalt client) writes for
// its app, and its CI fails when the two differ: the copy in templates/ must match what the
// current Basalt generates for the template's app.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEMPLATE = join(ROOT, 'templates', 'app');
const work = mkdtempSync(join(tmpdir(), 'basalt-template-client-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('ships the client basalt client generates for the template app', () => {
  cpSync(join(TEMPLATE, 'src'), join(work, 'src'), { recursive: true });
  cpSync(join(TEMPLATE, 'package.json'), join(work, 'package.json'));
  // `import 'basalt'` in the copy resolves to this checkout.
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(ROOT, join(work, 'node_modules', 'basalt'));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  for (const key of ['NODE_OPTIONS', 'VITEST', 'BASALT_APP', 'DATABASE_URL']) delete env[key];
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'basalt.js'), 'client', '--out', '-'], {
    cwd: work,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.status, result.stderr).toBe(0);
  const shipped = readFileSync(join(TEMPLATE, 'test', 'api-client.ts'), 'utf8');
  // If this fails after a change to Basalt's own routes: run `npm run client` in a scaffolded
  // project (or this test's steps) and copy the file to templates/app/test/api-client.ts.
  expect(result.stdout).toBe(shipped);
}, 150_000);
