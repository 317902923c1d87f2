#!/usr/bin/env node
// `npm create basalt@latest <dir> [-- flags]`: runs `basalt new` of the Basalt release with
// this package's version, so the generator and its templates exist once, inside Basalt.
// BASALT_PACKAGE names another package spec to run (a tarball or folder, to try a build).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const spec = process.env.BASALT_PACKAGE || `basalt@${version}`;
const execpath = process.env.npm_execpath;
// The npm that runs us (npm create), else the one on PATH.
const npm = execpath && /npm-cli\.c?js$/.test(execpath) ? [process.execPath, execpath] : ['npm'];
const args = [
  ...npm.slice(1),
  'exec',
  '--yes',
  `--package=${spec}`,
  '--',
  'basalt',
  'new',
  ...process.argv.slice(2),
];
const child = spawn(npm[0], args, {
  stdio: 'inherit',
  shell: process.platform === 'win32' && npm.length === 1,
});
child.on('error', (error) => {
  process.stderr.write(`create-basalt: could not run npm (${error.message})\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
