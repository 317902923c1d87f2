#!/usr/bin/env node
// The `basalt` command. Runs Basalt from its TypeScript sources when they are here (a
// checkout), from dist/ otherwise, and loads the user's TypeScript app through tsx.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const sourceEntry = join(root, 'src', 'cli', 'index.ts');
const distEntry = join(root, 'dist', 'cli', 'index.js');
const installed = root.split(sep).includes('node_modules');
// An installed package ships both; its compiled dist is what it is meant to run.
const useSource = existsSync(sourceEntry) && !(installed && existsSync(distEntry));

const execArgv = process.execArgv;
const hasSourceCondition = execArgv.some(
  (arg, i) =>
    arg === '--conditions=source' ||
    arg === '-C=source' ||
    ((arg === '--conditions' || arg === '-C') && execArgv[i + 1] === 'source'),
);
const hasTsx = execArgv.some(
  (arg, i) => (arg === '--import' && /tsx/.test(execArgv[i + 1] ?? '')) || /^--import=.*tsx/.test(arg),
);

const needed = [];
if (useSource && !hasSourceCondition) needed.push('--conditions=source');
if (!hasTsx) needed.push('--import', import.meta.resolve('tsx'));

if (needed.length > 0) {
  if (process.env.BASALT_CLI_RESPAWNED === '1') {
    process.stderr.write(`basalt: could not load the TypeScript loader (node ${needed.join(' ')})\n`);
    process.exit(1);
  }
  // Re-run once with the loader flags; cluster workers and `basalt dev` children inherit them.
  const child = spawn(process.execPath, [...needed, ...execArgv, self, ...process.argv.slice(2)], {
    // The IPC channel tells the child when this process is gone, so it never outlives it.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BASALT_CLI_RESPAWNED: '1' },
  });
  const forward = (signal) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  if (process.env.BASALT_CLI_RESPAWNED === '1' && process.channel) {
    process.channel.unref();
    process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  // Only the loop guard above needs it; a `basalt` the app itself runs must start afresh.
  delete process.env.BASALT_CLI_RESPAWNED;
  const { runCli } = await import(pathToFileURL(useSource ? sourceEntry : distEntry).href);
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
  // Something the app opened (a pool, a timer) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 1_000).unref();
}
