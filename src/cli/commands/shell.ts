import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Writable } from 'node:stream';
import type { BasaltApp } from '../../app/index.js';
import type { BuiltinCommand } from '../cli-context.js';

/** `order_line` → `OrderLine`: how a model is named in the shell. */
function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** `send-order-confirmation` → `sendOrderConfirmation`: how a task is named in the shell. */
function camelCase(name: string): string {
  const pascal = pascalCase(name);
  const identifier = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  return /^[A-Za-z_$]/.test(identifier) ? identifier : `_${identifier}`;
}

/** What the shell defines: the app, db, sql, each model by PascalCase name and each task by camelCase name. */
async function shellBindings(app: BasaltApp): Promise<Record<string, unknown>> {
  // Imported here, like jobs below: `basalt --help` should not load the data layer.
  const { sql } = await import('../../db/index.js');
  const bindings: Record<string, unknown> = { app, db: app.db, sql };
  for (const model of app.db?.registry.all() ?? []) bindings[pascalCase(model.name)] ??= model;
  // Tasks are bound to the app's jobs client when it is made, so `task.enqueue()` works here.
  // Imported here: `basalt --help` should not load the jobs capability.
  const jobs = app.modules.some((m) => m.name === 'jobs')
    ? await (await import('../../jobs/index.js')).getJobs(app)
    : undefined;
  if (jobs) {
    bindings.jobs = jobs;
    for (const task of jobs.tasks.values()) bindings[camelCase(task.name)] ??= task;
  }
  return bindings;
}

/** Writes stdin's lines into `input` one at a time, each when the REPL prompts for it. */
function feedLines(server: { displayPrompt(preserveCursor?: boolean): void }, input: PassThrough): void {
  const lines: string[] = [];
  let ended = false;
  let wanted = false;
  const next = () => {
    const line = lines.shift();
    if (line !== undefined) {
      wanted = false;
      input.write(`${line}\n`);
    } else if (ended) input.end();
    else wanted = true;
  };
  const reader = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  reader.on('line', (line) => {
    lines.push(line);
    if (wanted) next();
  });
  reader.on('close', () => {
    ended = true;
    if (wanted) next();
  });
  const displayPrompt = server.displayPrompt.bind(server);
  server.displayPrompt = (preserveCursor?: boolean) => {
    displayPrompt(preserveCursor);
    setImmediate(next);
  };
  // The first prompt was shown by repl.start(), before this wrapper.
  setImmediate(next);
}

/** `basalt shell`: a REPL in the app's own realm with its models, db and tasks. */
export const shellCommand: BuiltinCommand = {
  name: 'shell',
  summary: 'An interactive Node.js REPL with the app, its database, models, tasks and sql',
  description:
    'Starts a REPL where app, db, sql, every model (by PascalCase name: Book, OrderLine) and,\n' +
    'with jobs(), the jobs client and every task (by camelCase name: sendOrderConfirmation) are\n' +
    'defined. Top-level await works, e.g. await db.query(Book).count() or\n' +
    'await sendOrderConfirmation.enqueue({ orderId: 1 }). Input may be piped: basalt shell < script.js',
  async run(ctx) {
    const app = await ctx.loadApp();
    try {
      await app.start();
    } catch (error) {
      // A shell is how one looks into a broken app: say so, and open it anyway.
      ctx.stderr.write(
        `shell: the app did not start, so its start hooks did not run: ${(error as Error).message}\n`,
      );
    }
    const bindings = await shellBindings(app);
    ctx.stdout.write(
      `Basalt shell: ${Object.keys(bindings).join(', ')} are defined. .exit (or Ctrl+D) leaves.\n`,
    );
    // Loaded here, not at import: node:repl loads node:domain, which slows every EventEmitter
    // (every request) in any process that merely imports Basalt.
    const { default: repl } = await import('node:repl');
    const terminal = process.stdin.isTTY === true && ctx.stdout === process.stdout;
    // Piped input is fed one line per prompt: the REPL reads ahead otherwise, and a line
    // would run before the `await` of the line above it had finished.
    const input = terminal ? process.stdin : new PassThrough();
    const server = repl.start({
      prompt: 'basalt> ',
      input,
      output: ctx.stdout as Writable,
      terminal,
      // The app's realm: a Date read from the database is `instanceof Date` in the shell, and a
      // Date (or array, or object) typed in the shell passes the data layer's checks.
      useGlobal: true,
    });
    if (server.terminal)
      server.setupHistory(join(homedir(), '.basalt_repl_history'), (error) => {
        if (error) ctx.stderr.write(`shell: no history (${error.message})\n`);
      });
    Object.assign(server.context, bindings);
    if (input instanceof PassThrough) feedLines(server, input);
    await new Promise<void>((resolve) => server.on('exit', resolve));
    return 0;
  },
};
