import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { DatabaseCommand } from '../command-app.js';
import { statementCacheOf } from '../dialects/postgres.js';
import { sqliteFilename } from '../dialects/sqlite.js';
import { pascalCase } from '../meta.js';

/** The command-line client for a database URL, and where to get it. */
export function databaseClient(url: string): { command: string; args: string[]; install: string } {
  if (url.startsWith('sqlite:')) {
    const file = sqliteFilename(url);
    return {
      command: 'sqlite3',
      args: file === ':memory:' ? [] : [file],
      install:
        "the SQLite shell: 'apt install sqlite3', 'brew install sqlite' or https://sqlite.org/download.html",
    };
  }
  return {
    command: 'psql',
    // Without Basalt's own URL parameters, which psql would refuse.
    args: [statementCacheOf(url).url],
    install:
      "the PostgreSQL client: 'apt install postgresql-client', 'brew install libpq' or https://www.postgresql.org/download/",
  };
}

const dbshell: DatabaseCommand = {
  name: 'dbshell',
  summary: "Open the database's own shell (sqlite3 or psql) on DATABASE_URL",
  usage: '[-- client arguments]',
  description:
    "Runs 'sqlite3 <file>' or 'psql <url>' with this terminal; arguments after -- go to the client,\n" +
    "e.g. basalt dbshell -- -c 'select count(*) from book'.",
  async run(ctx) {
    const app = await ctx.loadApp();
    const url = String(app.config.DATABASE_URL);
    await app.stop();
    const client = databaseClient(url);
    if (url.startsWith('sqlite:') && client.args.length === 0)
      ctx.stderr.write('dbshell: DATABASE_URL is an in-memory database; sqlite3 opens a new, empty one\n');
    return new Promise<number>((resolve) => {
      const child = spawn(client.command, [...client.args, ...ctx.positionals], { stdio: 'inherit' });
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT')
          ctx.stderr.write(
            `dbshell: '${client.command}' was not found on PATH. Install ${client.install}.\n`,
          );
        else ctx.stderr.write(`dbshell: could not run '${client.command}': ${error.message}\n`);
        resolve(1);
      });
      child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
    });
  },
};

const shell: DatabaseCommand = {
  name: 'shell',
  summary: 'An interactive Node.js REPL with the app, its database, its models and sql',
  description:
    'Starts a REPL where app, db, sql and every model (by PascalCase name: Book, OrderLine) are\n' +
    'defined; top-level await works, e.g. await db.query(Book).count().',
  async run(ctx) {
    const app = await ctx.loadApp();
    const models = Object.fromEntries((app.db?.registry.all() ?? []).map((m) => [pascalCase(m.name), m]));
    const names = ['app', 'db', 'sql', ...Object.keys(models)];
    ctx.stdout.write(`Basalt shell: ${names.join(', ')} are defined. .exit (or Ctrl+D) leaves.\n`);
    // Loaded here, not at import: node:repl loads node:domain, which slows every EventEmitter
    // (every request) in any process that merely imports Basalt.
    const { default: repl } = await import('node:repl');
    const server = repl.start({
      prompt: 'basalt> ',
      input: process.stdin,
      output: ctx.stdout as Writable,
      terminal: process.stdin.isTTY === true && ctx.stdout === process.stdout,
      useGlobal: false,
    });
    if (server.terminal)
      server.setupHistory(join(homedir(), '.basalt_repl_history'), (error) => {
        if (error) ctx.stderr.write(`shell: no history (${error.message})\n`);
      });
    Object.assign(server.context, { app, db: app.db, sql, ...models });
    await new Promise<void>((resolve) => server.on('exit', resolve));
    await app.stop();
    return 0;
  },
};

/** `dbshell` and `shell`. */
export const shellCommands: DatabaseCommand[] = [dbshell, shell];
