import { spawn } from 'node:child_process';
import type { DatabaseCommand } from '../command-app.js';
import { statementCacheOf } from '../dialects/postgres.js';
import { sqliteFilename } from '../dialects/sqlite.js';

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

/** `dbshell`. (`basalt shell` is a built-in command of the CLI, which sees the app's tasks too.) */
export const shellCommands: DatabaseCommand[] = [dbshell];
