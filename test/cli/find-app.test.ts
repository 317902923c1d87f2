import { afterEach, describe, expect, it } from 'vitest';
import { runBasalt, tempProject, tinyApp } from './basalt-process.js';

const cleanups: (() => void)[] = [];
function project(files: Record<string, string>) {
  const created = tempProject(files);
  cleanups.push(created.remove);
  return created.dir;
}

async function appTitle(args: string[], cwd: string, env?: Record<string, string>) {
  const result = await runBasalt(['openapi', '--out', '-', ...args], { cwd, env });
  expect(result.stderr).not.toContain('BASALT_APP_NOT_FOUND');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { info: { title: string } }).info.title;
}

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('finding the app', () => {
  it('exits 1 naming every place it looked at when there is no app', async () => {
    const dir = project({});
    const { code, stderr } = await runBasalt(['routes'], { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain('BASALT_APP_NOT_FOUND');
    expect(stderr).toContain('No Basalt app found');
    expect(stderr).toContain('--app flag: not given');
    expect(stderr).toContain('BASALT_APP environment variable: not set');
    expect(stderr).toContain('package.json: no "basalt": { "app": ... } entry');
    for (const file of ['app.ts', 'src/app.ts', 'app.js', 'src/app.js'])
      expect(stderr).toContain(`${dir}/${file}: no such file`);
    expect(stderr).toContain('Fix it with one of');
  });

  it('still lists the built-in commands in --help when there is no app', async () => {
    const dir = project({});
    const { code, stdout } = await runBasalt(['--help'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}start /m);
    expect(stdout).toContain('Commands from the app are not listed: No Basalt app found.');
  });

  it('uses the file given with --app', async () => {
    const dir = project({ 'server/main.ts': tinyApp('via-flag'), 'app.ts': tinyApp('convention') });
    expect(await appTitle(['--app', 'server/main.ts'], dir)).toBe('via-flag');
  });

  it('accepts --app before the command', async () => {
    const dir = project({ 'server/main.ts': tinyApp('via-global-flag') });
    const { code, stdout } = await runBasalt(['--app', 'server/main.ts', 'openapi', '--out', '-'], {
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('"title": "via-global-flag"');
  });

  it('uses BASALT_APP when there is no flag', async () => {
    const dir = project({ 'server/main.ts': tinyApp('via-env'), 'app.ts': tinyApp('convention') });
    expect(await appTitle([], dir, { BASALT_APP: 'server/main.ts' })).toBe('via-env');
  });

  it('uses "basalt": { "app" } from package.json', async () => {
    const dir = project({
      'package.json': JSON.stringify({ type: 'module', basalt: { app: './server/main.ts' } }),
      'server/main.ts': tinyApp('via-package-json'),
      'app.ts': tinyApp('convention'),
    });
    expect(await appTitle([], dir)).toBe('via-package-json');
  });

  it('finds src/app.ts by convention', async () => {
    const dir = project({ 'src/app.ts': tinyApp('via-src-app') });
    expect(await appTitle([], dir)).toBe('via-src-app');
  });

  it('exits 1 when --app names a missing file', async () => {
    const dir = project({});
    const { code, stderr } = await runBasalt(['routes', '--app', 'missing.ts'], { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain('BASALT_APP_NOT_FOUND');
    expect(stderr).toContain(`${dir}/missing.ts, which does not exist`);
  });

  it('exits 1 when the app file does not default-export defineApp()', async () => {
    const dir = project({ 'app.ts': 'export const app = 1;\n' });
    const { code, stderr } = await runBasalt(['routes'], { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain('BASALT_APP_NOT_FOUND');
    expect(stderr).toContain('export default defineApp');
  });
});
