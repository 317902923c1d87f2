#!/usr/bin/env node
// The `basalt` command. An installed package runs its compiled dist/ on plain node in this
// very process (no launcher child): the PID a supervisor holds is the one that serves.
// In a checkout of the repository, Basalt runs from its TypeScript sources through tsx,
// registered in-process by scripts/source-loader.mjs.
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceEntry = join(root, 'src', 'cli', 'index.ts');
const distEntry = join(root, 'dist', 'cli', 'index.js');
const sourceLoader = join(root, 'scripts', 'source-loader.mjs');
const installed = root.split(sep).includes('node_modules');
const useSource =
  existsSync(sourceEntry) && existsSync(sourceLoader) && !(installed && existsSync(distEntry));

if (useSource) await import(pathToFileURL(sourceLoader).href);
const { runCli } = await import(pathToFileURL(useSource ? sourceEntry : distEntry).href);
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Something the app opened (a pool, a timer) must not keep a finished command alive; commands
// that serve (start, worker, dev) resolve only when they are done serving.
setTimeout(() => process.exit(code), 1_000).unref();
