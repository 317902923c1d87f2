import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('importing basalt', () => {
  it('does not load node:domain, which would slow every EventEmitter of every request', () => {
    // node:repl (the shell command) pulls node:domain in; it must be loaded only when used.
    const out = execFileSync(
      process.execPath,
      [
        '--conditions=basalt-source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "await import('basalt'); await import('basalt/db'); await import('basalt/testing'); console.log(process.moduleLoadList.includes('NativeModule domain'))",
      ],
      { cwd: new URL('../..', import.meta.url), encoding: 'utf8' },
    );
    expect(out.trim()).toBe('false');
  });
});
