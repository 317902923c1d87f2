import { describe, expect, it } from 'vitest';

// The exports map is the public API: a change to these lists must be deliberate.
describe('public API of basalt/cli and basalt/server', () => {
  it('exports the documented names from basalt/cli', async () => {
    expect(Object.keys(await import('basalt/cli')).sort()).toEqual([
      'BUILTIN_COMMANDS',
      'CONVENTIONAL_APP_FILES',
      'defineCommand',
      'findAppFile',
      'runCli',
    ]);
  });

  it('exports the documented names from basalt/server', async () => {
    expect(Object.keys(await import('basalt/server')).sort()).toEqual([
      'CrashGuard',
      'WORKER_ENV',
      'importAppDefinition',
      'runServer',
      'runWorker',
      'workerEntryPath',
    ]);
  });
});
