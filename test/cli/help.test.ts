import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBasalt } from './basalt-process.js';

const cwd = join(FIXTURES, 'server');

describe('basalt help and usage errors', () => {
  it('lists the built-in commands and the commands contributed by the app', async () => {
    const { code, stdout } = await runBasalt(['--help'], { cwd });
    expect(code).toBe(0);
    for (const name of ['start', 'dev', 'routes', 'openapi', 'check'])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(stdout).toContain('Commands from the app (cli-fixture):');
    expect(stdout).toMatch(/^ {2}greet +Print a greeting/m);
  });

  it.each([
    'start',
    'dev',
    'routes',
    'openapi',
    'check',
    'greet',
  ])('prints the usage of %s with --help', async (name) => {
    const { code, stdout } = await runBasalt([name, '--help'], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: basalt ${name} [options]`);
    expect(stdout).toContain('--app <file>');
  });

  it('documents the flags of start', async () => {
    const { stdout } = await runBasalt(['start', '--help'], { cwd });
    expect(stdout).toContain('--workers <n>');
    expect(stdout).toContain('--port <port>');
    expect(stdout).toContain('--host <host>');
  });

  it('exits 2 with a message on an unknown command', async () => {
    const { code, stderr, stdout } = await runBasalt(['nope'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown command 'nope'");
    expect(stdout).toBe('');
  });

  it('exits 2 with a message on an unknown flag', async () => {
    const { code, stderr } = await runBasalt(['routes', '--bogus'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain('--bogus');
    expect(stderr).toContain('basalt routes --help');
  });

  it('exits 2 on a malformed flag value', async () => {
    const { code, stderr } = await runBasalt(['start', '--workers', 'many'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain('--workers must be an integer');
  });

  it('runs a command contributed by a module, with its options', async () => {
    const { code, stdout } = await runBasalt(['greet', '--name', 'Ada'], { cwd });
    expect(code).toBe(0);
    expect(stdout).toBe('hello Ada\n');
  });
});
