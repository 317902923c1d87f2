import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { AppCommand, BasaltApp } from '../app/index.js';
import { BasaltError, type CommandContext } from '../core/index.js';
import type { Database } from '../db/index.js';
import { getAuth } from './module.js';
import type { AuthService, AuthUser } from './service.js';

type Ctx = CommandContext<BasaltApp>;

/** Reads answers line by line from stdin; on a terminal, password answers are not echoed. */
function prompter(ctx: Ctx) {
  const terminal = process.stdin.isTTY === true && ctx.stdout === process.stdout;
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) ctx.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question: string, hidden = false): Promise<string | undefined> {
      ctx.stdout.write(question);
      muted = hidden && terminal;
      try {
        const next = await lines.next();
        if (hidden && terminal) ctx.stdout.write('\n');
        return next.done ? undefined : next.value;
      } finally {
        muted = false;
      }
    },
    close: () => rl.close(),
  };
}

function problemsOf(service: AuthService, password: string, user: Partial<AuthUser>): string[] {
  try {
    service.validatePassword(password, user);
    return [];
  } catch (error) {
    const errors = (error as BasaltError).errors ?? [];
    return errors.map((e) => e.detail);
  }
}

async function askPassword(
  ctx: Ctx,
  ask: ReturnType<typeof prompter>['ask'],
  service: AuthService,
  user: Partial<AuthUser>,
): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const first = await ask('Password: ', true);
    const second = await ask('Password (again): ', true);
    if (first === undefined || second === undefined) break;
    if (first !== second) {
      ctx.stderr.write("Error: the two passwords didn't match.\n");
      continue;
    }
    const problems = problemsOf(service, first, user);
    if (problems.length === 0) return first;
    for (const p of problems) ctx.stderr.write(`Error: ${p}\n`);
  }
  throw new BasaltError('BASALT_VALIDATION_FAILED', 'No acceptable password was given; nothing was changed');
}

function databaseOf(app: BasaltApp): Database {
  if (!app.db) throw new BasaltError('BASALT_CONFIG_INVALID', 'This app has no database');
  return app.db as Database;
}

const createsuperuser: AppCommand = {
  name: 'createsuperuser',
  summary: 'Create a user with every permission (staff and superuser)',
  description:
    'Asks for the email and the password (twice, checked by the password validators). For scripts:\n' +
    '--no-input with --email, and the password in BASALT_SUPERUSER_PASSWORD (without it the user\n' +
    'gets no usable password and must reset it).',
  options: {
    email: { type: 'string', description: 'The login email (asked when omitted)' },
    'no-input': {
      type: 'boolean',
      description: 'Never ask; take the password from BASALT_SUPERUSER_PASSWORD',
    },
  },
  run: async (ctx) => {
    const app = await ctx.loadApp();
    const service = getAuth(app);
    const db = databaseOf(app);
    const field = service.usernameField;
    const noInput = ctx.values['no-input'] === true;
    const prompt = noInput ? undefined : prompter(ctx);
    try {
      let username = typeof ctx.values.email === 'string' ? ctx.values.email : undefined;
      if (!username && prompt)
        username = (await prompt.ask(`${field[0]!.toUpperCase()}${field.slice(1)}: `))?.trim();
      if (!username)
        throw new BasaltError('BASALT_VALIDATION_FAILED', `--${field} is required with --no-input`);
      const normalized = service.normalizeUsername(username);
      const taken = await (db as unknown as LooseQuery)
        .query(service.userModel)
        .where({ [field]: normalized })
        .first();
      if (taken)
        throw new BasaltError(
          'BASALT_VALIDATION_FAILED',
          `A user with ${field} ${normalized} already exists`,
        );
      const attributes = { [field]: normalized };
      let password: string | undefined = process.env.BASALT_SUPERUSER_PASSWORD || undefined;
      if (password !== undefined) {
        const problems = problemsOf(service, password, attributes);
        if (problems.length > 0)
          throw new BasaltError(
            'BASALT_VALIDATION_FAILED',
            `BASALT_SUPERUSER_PASSWORD: ${problems.join(' ')}`,
          );
      } else if (prompt) {
        password = await askPassword(ctx, prompt.ask, service, attributes);
      }
      await service.createUser(
        db,
        { ...attributes, password: password ?? '', isStaff: true, isSuperuser: true },
        { validate: false },
      );
      ctx.stdout.write(
        `Superuser ${normalized} created${password ? '' : ' (no usable password: reset it)'}.\n`,
      );
      return 0;
    } finally {
      prompt?.close();
    }
  },
};

const changepassword: AppCommand = {
  name: 'changepassword',
  summary: "Change a user's password",
  usage: '<email>',
  description:
    'Asks for the new password twice (read from stdin line by line when it is not a terminal) and\n' +
    "checks it with the password validators. The user's refresh tokens are revoked.",
  run: async (ctx) => {
    const username = ctx.positionals[0];
    if (!username) throw new BasaltError('BASALT_VALIDATION_FAILED', 'Usage: basalt changepassword <email>');
    const app = await ctx.loadApp();
    const service = getAuth(app);
    const db = databaseOf(app);
    const user = (await (db as unknown as LooseQuery)
      .query(service.userModel)
      .where({ [service.usernameField]: service.normalizeUsername(username) })
      .first()) as AuthUser | undefined;
    if (!user)
      throw new BasaltError('BASALT_HTTP_NOT_FOUND', `No user with ${service.usernameField} ${username}`);
    const prompt = prompter(ctx);
    try {
      ctx.stdout.write(`Changing the password of ${username}\n`);
      const password = await askPassword(ctx, prompt.ask, service, user);
      await db.transaction(async (tx) => {
        await service.setPassword(tx, user, password, { validate: false });
        await service.revokeAllTokens(tx, user.id);
      });
      ctx.stdout.write(`Password changed for ${username}.\n`);
      return 0;
    } finally {
      prompt.close();
    }
  },
};

interface LooseQuery {
  query(model: unknown): { where(where: Record<string, unknown>): { first(): Promise<unknown> } };
}

/** The CLI commands of `auth()`. */
export const authCommands: readonly AppCommand[] = [createsuperuser, changepassword];
