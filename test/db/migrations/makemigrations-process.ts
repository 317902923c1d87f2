// Run as a separate process by interactive.test.ts, which answers the questions on stdin:
// node --conditions=basalt-source --import tsx makemigrations-process.ts <folder>
import { defineModel, f } from '../../../src/db/index.js';
import { migrationCommands } from '../../../src/db/migrations/commands.js';
import { fakeApp } from './command-harness.js';

const folder = process.argv[2]!;
const author = defineModel('author', { fullName: f.string({ max: 120 }), about: f.text() });
const command = migrationCommands.find((c) => c.name === 'makemigrations')!;
process.exitCode =
  (await command.run({
    values: { interactive: true },
    positionals: [],
    loadApp: async () => fakeApp(folder, 'sqlite::memory:', [author]),
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  })) ?? 0;
