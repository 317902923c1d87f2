import { spawn } from 'node:child_process';
import { relative, resolve } from 'node:path';
import type { BuiltinCommand } from '../cli-context.js';
import { stringValue } from '../option-values.js';
import {
  assertEmptyTarget,
  CHOICE_NAMES,
  choiceValues,
  defaultChoices,
  generateProject,
  isChoiceValue,
  type ScaffoldChoices,
} from '../scaffold/index.js';
import { askChoices } from '../scaffold/prompt.js';
import { UsageError } from '../usage-error.js';

function runNpmInstall(cwd: string, env: Record<string, string | undefined>): Promise<number> {
  return new Promise((done) => {
    const child = spawn('npm', ['install'], {
      cwd,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
      shell: process.platform === 'win32',
    });
    child.on('error', () => done(127));
    child.on('exit', (code) => done(code ?? 1));
  });
}

/** `basalt new <dir>`: scaffolds a project (also what `npm create basalt` runs). */
export const newCommand: BuiltinCommand = {
  name: 'new',
  summary: 'Create a new Basalt project in a new folder',
  usage: '<dir>',
  description:
    'Writes a complete project (app, model, REST resource, auth, a task, tests, first migration,\n' +
    'Dockerfile, compose.yaml, CI) into <dir>, which must not exist or be empty, then runs\n' +
    'npm install there. Asks for each choice not given as a flag when standard input is a terminal.',
  options: {
    database: {
      type: 'string',
      description: `Database: ${choiceValues('database').join(' | ')} (default: sqlite)`,
    },
    queue: {
      type: 'string',
      description: `Jobs queue: ${choiceValues('queue').join(' | ')} (default: database)`,
    },
    storage: {
      type: 'string',
      description: `File storage: ${choiceValues('storage').join(' | ')} (default: local)`,
    },
    name: { type: 'string', description: "Package name (default: made from the folder's name)" },
    yes: {
      type: 'boolean',
      short: 'y',
      description: 'Ask nothing: every choice not given takes its default',
    },
    'no-install': { type: 'boolean', description: 'Do not run npm install' },
  },
  async run(context) {
    const [target, ...extra] = context.positionals;
    if (!target) throw new UsageError("Name the new project's folder: basalt new <dir> [options].");
    if (extra.length > 0)
      throw new UsageError(
        `basalt new takes one folder, got ${context.positionals.length}: ${context.positionals.join(' ')}.`,
      );
    const given: Partial<ScaffoldChoices> = {};
    for (const name of CHOICE_NAMES) {
      const value = stringValue(context.values, name);
      if (value === undefined) continue;
      if (!isChoiceValue(name, value))
        throw new UsageError(`--${name} must be one of ${choiceValues(name).join(', ')} (got '${value}').`);
      (given as Record<string, string>)[name] = value;
    }
    const dir = resolve(context.cwd, target);
    // Refused before any question is asked, and again (atomically enough) by generateProject.
    assertEmptyTarget(dir);
    const ask = context.values.yes !== true && process.stdin.isTTY === true;
    const choices = ask
      ? await askChoices(given, { input: process.stdin, output: context.stdout })
      : { ...defaultChoices(), ...given };
    const name = stringValue(context.values, 'name');
    const project = generateProject({ dir, choices, ...(name ? { name } : {}) });
    const shown = relative(context.cwd, project.dir) || '.';
    context.stdout.write(
      `Created ${project.name} in ${shown} (database: ${choices.database}, queue: ${choices.queue}, storage: ${choices.storage}), ${project.files.length} files.\n`,
    );
    if (context.values['no-install'] !== true) {
      context.stdout.write('Running npm install…\n');
      const code = await runNpmInstall(project.dir, context.env);
      if (code !== 0) {
        context.stderr.write(`basalt: npm install failed (exit ${code}); run it yourself in ${shown}.\n`);
        return 1;
      }
    }
    const services = [
      ...(choices.database === 'postgres' ? ['postgres'] : []),
      ...(choices.queue === 'redis' ? ['redis'] : []),
      ...(choices.storage === 's3' ? ['minio'] : []),
    ];
    const steps = [
      `cd ${shown}`,
      ...(context.values['no-install'] === true ? ['npm install'] : []),
      ...(services.length > 0 ? [`docker compose up -d ${services.join(' ')}   # what .env points at`] : []),
      'npm run migrate',
      'npm run dev',
    ];
    context.stdout.write(`\nNext:\n${steps.map((step) => `  ${step}`).join('\n')}\n`);
    return 0;
  },
};
