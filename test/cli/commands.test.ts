import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, runBasalt } from './basalt-process.js';

const cwd = join(FIXTURES, 'server');
const out = mkdtempSync(join(tmpdir(), 'basalt-openapi-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('basalt routes', () => {
  it('prints a table of method, path, summary and tags', async () => {
    const { code, stdout } = await runBasalt(['routes'], { cwd });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^METHOD +PATH +SUMMARY +TAGS$/);
    expect(lines).toContainEqual(expect.stringMatching(/^GET +\/pid +The worker process id +server$/));
    expect(lines).toContainEqual(expect.stringMatching(/^GET +\/slow +Answers after a delay$/));
  });
});

describe('basalt openapi', () => {
  it('writes the document to the file given with --out', async () => {
    const file = join(out, 'api.json');
    const { code, stdout } = await runBasalt(['openapi', '--out', file], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain('(2 paths)');
    const document = JSON.parse(readFileSync(file, 'utf8')) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual(['/pid', '/slow']);
  });

  it('writes to standard output with --out -, and nothing else', async () => {
    const { code, stdout } = await runBasalt(['openapi', '--out', '-'], { cwd });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { info: { title: string } }).info.title).toBe('cli-fixture');
  });
});

describe('basalt check', () => {
  it('exits 0 when no check reports an error', async () => {
    const { code, stdout } = await runBasalt(['check'], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain('System check identified no issues.');
  });

  it('exits 1 and prints the finding when a module check reports an error', async () => {
    const { code, stdout } = await runBasalt(['check'], { cwd: join(FIXTURES, 'failing-check') });
    expect(code).toBe(1);
    expect(stdout).toContain('strict.E001 (error) This fixture always fails its check.');
    expect(stdout).toContain('HINT: Nothing to fix.');
  });
});
