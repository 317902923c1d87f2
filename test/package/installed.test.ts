// Basalt as users get it: `npm pack`, installed into a fresh project from the tarball, then
// imported by plain node, type-checked by tsc without any of the repository's settings, and
// an app built with `basalt build` and served by `basalt start` on plain node. Slow (a pack
// and an install), so it runs once, as one sequence.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBasalt } from '../support/packed.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SUBPATHS = [
  '',
  '/http',
  '/mail',
  '/db',
  '/auth',
  '/jobs',
  '/storage',
  '/rest',
  '/server',
  '/testing',
  '/cli',
];

// Production start-up checks refuse a guessable SECRET_KEY.
const SECRET_KEY = randomBytes(32).toString('base64url');
let work: string;
let project: string;
const children = new Set<ChildProcess>();

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of [
    'NODE_OPTIONS',
    'VITEST',
    'VITEST_POOL_ID',
    'VITEST_WORKER_ID',
    'NODE_ENV',
    'BASALT_APP',
    'PORT',
    'DATABASE_URL',
  ])
    if (!(key in extra)) delete clean[key];
  return clean;
}

/** Runs a command in the project and returns its status and output. */
function run(command: string, args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: project,
    env: env(extra),
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function basalt(args: string[], extra: Record<string, string> = {}) {
  return run(process.execPath, [join(project, 'node_modules', '.bin', 'basalt'), ...args], extra);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string | (() => string),
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

const APP = `import { defineApp, get, t } from 'basalt';
import { Note } from './models.ts';

const loader = Symbol.for('basalt.typescriptLoader');
const whoami = get('/whoami', {
  response: t.Object({ pid: t.Integer(), file: t.String(), execArgv: t.Array(t.String()), loader: t.Boolean(), notes: t.Integer() }),
}, async ({ db }) => ({
  pid: process.pid,
  file: import.meta.url,
  execArgv: process.execArgv,
  loader: loader in globalThis,
  notes: await db.query(Note).count(),
}));

export default defineApp({
  name: 'installed',
  models: [Note],
  routes: [whoami],
  migrations: new URL('./migrations', import.meta.url),
});
`;

const MODELS = `import { defineModel, f } from 'basalt/db';

export const Note = defineModel('note', { text: f.string({ max: 100 }) });
`;

const CONSUMER = `${SUBPATHS.map((path, i) => `import * as m${i} from 'basalt${path}';`).join('\n')}
import { defineModel, f, type Infer } from 'basalt/db';
import { createTestClient } from 'basalt/testing';

const Book = defineModel('book', { title: f.string({ max: 200 }) });
type Book = Infer<typeof Book>;
const title: Book['title'] = 'Dune';
export const used = [${SUBPATHS.map((_, i) => `m${i}`).join(', ')}, title, createTestClient];
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'basalt-installed-'));
  const tarball = await packBasalt(env());
  project = join(work, 'project');
  mkdirSync(join(project, 'migrations'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'installed',
      private: true,
      type: 'module',
      basalt: { app: './app.ts' },
      dependencies: { basalt: `file:${tarball}` },
      allowScripts: {
        'better-sqlite3': true,
        esbuild: true,
        '@scarf/scarf': false,
        'msgpackr-extract': false,
      },
    }),
  );
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
  expect(install.status, install.output).toBe(0);
  writeFileSync(join(project, 'app.ts'), APP);
  writeFileSync(join(project, 'models.ts'), MODELS);
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
}, 600_000);

afterAll(() => {
  for (const child of children) if (child.pid && alive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each step spawns node, npm or tsc; on a busy 2-core machine they take tens of seconds.
describe('the installed package', { timeout: 240_000 }, () => {
  it('ships compiled JavaScript and declarations, and nothing of the repository set-up', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'basalt', 'package.json'), 'utf8'));
    expect(JSON.stringify(pkg.exports)).not.toContain('source');
    expect(pkg.devDependencies).toBeUndefined();
    expect(existsSync(join(project, 'node_modules', 'basalt', 'src'))).toBe(false);
    expect(
      existsSync(
        join(project, 'node_modules', 'basalt', 'dist', 'auth', 'passwords', 'common-passwords.txt'),
      ),
    ).toBe(true);
  });

  it('is imported by plain node from every subpath', () => {
    const script = `for (const path of ${JSON.stringify(SUBPATHS)}) { const m = await import('basalt' + path); if (Object.keys(m).length === 0) throw new Error('empty ' + path); } console.log('ok');`;
    const result = run(process.execPath, ['--input-type=module', '-e', script]);
    expect(result.output.trim()).toBe('ok');
  });

  it('type-checks under moduleResolution nodenext and bundler with no custom conditions or @types of its internals', () => {
    for (const [module, resolution] of [
      ['nodenext', 'nodenext'],
      ['esnext', 'bundler'],
    ]) {
      const config = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          module,
          moduleResolution: resolution,
          target: 'es2023',
          skipLibCheck: false,
          types: ['node'],
          allowImportingTsExtensions: true,
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(config));
      const result = run(process.execPath, [
        TSC,
        '-p',
        'tsconfig.json',
        '--typeRoots',
        join(ROOT, 'node_modules', '@types'),
      ]);
      expect(result.output, `${resolution}: ${result.output}`).toBe('');
      expect(result.status).toBe(0);
    }
    rmSync(join(project, 'tsconfig.json'));
  });

  it('lists commands and routes without opening the database', () => {
    const database = { DATABASE_URL: 'sqlite:data/app.db' };
    const help = basalt(['--help'], database);
    expect(help.status, help.output).toBe(0);
    expect(help.output).toContain('migrate');
    expect(help.output).toContain('build');
    const routes = basalt(['routes'], database);
    expect(routes.output).toContain('/whoami');
    expect(existsSync(join(project, 'data'))).toBe(false);
  });

  it('refuses to start in production until the app is built, and names the command to run', () => {
    const result = basalt(['start'], { NODE_ENV: 'production', SECRET_KEY });
    expect(result.status).toBe(1);
    expect(result.output).toContain('BASALT_APP_NOT_BUILT');
    expect(result.output).toContain('basalt build');
  });

  it('builds the app to JavaScript and migrates with the compiled migrations', () => {
    const made = basalt(['makemigrations']);
    expect(made.status, made.output).toBe(0);
    const built = basalt(['build']);
    expect(built.status, built.output).toBe(0);
    expect(readFileSync(join(project, 'dist', 'app.js'), 'utf8')).toContain('from "./models.js"');
    const migrations = readdirSync(join(project, 'dist', 'migrations'));
    expect(migrations.some((file) => /^0001_.*\.js$/.test(file))).toBe(true);
    // With the TypeScript migrations gone, only the compiled ones can be what migrate runs.
    rmSync(join(project, 'migrations'), { recursive: true });
    const migrated = basalt(['migrate'], {
      NODE_ENV: 'production',
      SECRET_KEY,
      DATABASE_URL: 'sqlite:data/app.db',
    });
    expect(migrated.status, migrated.output).toBe(0);
    expect(migrated.output).toMatch(/0001_/);
  });

  it('serves the compiled app on plain node from the process a supervisor holds, and kill -9 leaves no orphan', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(project, 'node_modules', '.bin', 'basalt'), 'start', '--workers', '2', '--port', String(port)],
      {
        cwd: project,
        env: env({ NODE_ENV: 'production', SECRET_KEY, DATABASE_URL: 'sqlite:data/app.db' }),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.add(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const body = await until(
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/whoami`);
          return response.ok
            ? ((await response.json()) as {
                pid: number;
                file: string;
                execArgv: string[];
                loader: boolean;
                notes: number;
              })
            : undefined;
        } catch {
          return undefined;
        }
      },
      () => `the server to answer (output: ${output})`,
    );
    expect(body.file).toMatch(/\/dist\/app\.js$/);
    expect(body.loader).toBe(false);
    expect(body.execArgv.join(' ')).not.toMatch(/tsx|loader|import/);
    expect(body.notes).toBe(0);
    const primary = child.pid ?? 0;
    // No launcher in between: the workers are the children of the PID we hold.
    const workers = await until(() => {
      const found = childrenOf(primary);
      return found.length === 2 ? found : undefined;
    }, 'two worker processes');
    expect(workers).toContain(body.pid);

    process.kill(primary, 'SIGKILL');
    await until(
      () => (workers.some(alive) ? undefined : true),
      'the workers to exit after the primary was killed',
    );
    await until(async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/whoami`);
        return undefined;
      } catch {
        return true;
      }
    }, 'the port to close');
  });

  it('runs a stale build in development from source, saying so, and refuses it in production', () => {
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(project, 'models.ts'), later, later);
    const production = basalt(['start'], { NODE_ENV: 'production', SECRET_KEY });
    expect(production.status).toBe(1);
    expect(production.output).toContain('BASALT_APP_NOT_BUILT');
    expect(production.output).toContain('models.ts');
    const development = basalt(['migrate'], { DATABASE_URL: 'sqlite:data/app.db' });
    expect(development.status, development.output).toBe(0);
    expect(development.output).toContain(
      'running app.ts from source (development): dist/ is older than models.ts',
    );
  });
});
