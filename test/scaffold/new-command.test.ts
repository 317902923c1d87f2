import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from 'basalt/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { askChoices } from '../../src/cli/scaffold/prompt.js';

const root = mkdtempSync(join(tmpdir(), 'basalt-new-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sink() {
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

async function basaltNew(...args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(['new', ...args], {
    cwd: root,
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: {},
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function listAll(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listAll(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

const read = (dir: string, file: string) => readFileSync(join(root, dir, file), 'utf8');

describe('basalt new', () => {
  it('writes a complete project with the default choices', async () => {
    const res = await basaltNew('My App', '--yes', '--no-install');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      'Created my-app in My App (database: sqlite, queue: database, storage: local)',
    );
    const files = listAll(join(root, 'My App'));
    expect(files).toEqual(
      expect.arrayContaining([
        '.dockerignore',
        '.env',
        '.env.example',
        '.github/workflows/ci.yml',
        '.gitignore',
        'Dockerfile',
        'README.md',
        'biome.json',
        'compose.yaml',
        'nginx.conf',
        'package.json',
        'src/api.ts',
        'src/app.ts',
        'src/migrations/0001_initial.ts',
        'src/models.ts',
        'src/tasks.ts',
        'test/notes.test.ts',
        'tsconfig.json',
        'vitest.config.ts',
      ]),
    );
    expect(files).not.toContain('_gitignore');
    const pkg = JSON.parse(read('My App', 'package.json')) as {
      name: string;
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(pkg.name).toBe('my-app');
    expect(pkg.dependencies.basalt).toBe(`^${version}`);
    expect(Object.keys(pkg.scripts)).toEqual(
      expect.arrayContaining(['dev', 'build', 'start', 'test', 'typecheck', 'lint', 'migrate']),
    );
    expect(read('My App', 'src/app.ts')).toContain("name: 'my-app'");
    expect(read('My App', '.env')).toMatch(/^SECRET_KEY=[\w-]{43}$/m);
    expect(read('My App', '.env.example')).toMatch(/^SECRET_KEY=$/m);
    for (const file of files) {
      const text = read('My App', file);
      expect(text, file).not.toMatch(/(#|\/\/) \[(if |end\]|\w+=)/);
    }
    const env = read('My App', '.env.example');
    expect(env).toContain('DATABASE_URL=sqlite:./data/app.db\n');
    expect(env).toContain('JOBS_BACKEND=database\n');
    expect(env).not.toContain('REDIS_URL=');
    expect(env).toContain('STORAGE_URL=file:./media\n');
    const compose = read('My App', 'compose.yaml');
    expect(compose).toContain('DATABASE_URL: sqlite:./data/app.db\n');
    expect(compose).not.toContain('REDIS_URL');
    // The services the app does not use stay out of `docker compose up`.
    expect(compose.match(/profiles: \[unused\]/g)).toHaveLength(4);
    expect(read('My App', 'nginx.conf')).toContain('location /media/');
    expect(read('My App', '.github/workflows/ci.yml')).not.toContain('TEST_DATABASE_URL');
  });

  it('points .env, compose and CI at PostgreSQL, Redis and S3 when chosen', async () => {
    const res = await basaltNew(
      'full',
      '--database',
      'postgres',
      '--queue',
      'redis',
      '--storage',
      's3',
      '--no-install',
    );
    expect(res.code).toBe(0);
    const env = read('full', '.env.example');
    expect(env).toContain('DATABASE_URL=postgres://app:app@127.0.0.1:5432/app\n');
    expect(env).toContain('JOBS_BACKEND=redis\nREDIS_URL=redis://127.0.0.1:6379\n');
    expect(env).toMatch(
      /^STORAGE_URL=s3:\/\/minioadmin:minioadmin@media\?.*endpoint=http:\/\/127\.0\.0\.1:9000/m,
    );
    expect(env).not.toContain('sqlite');
    const compose = read('full', 'compose.yaml');
    expect(compose).toContain('DATABASE_URL: postgres://app:app@postgres:5432/app\n');
    expect(compose).toContain('REDIS_URL: redis://redis:6379\n');
    expect(compose).toContain('endpoint=http://minio:9000');
    expect(compose).not.toContain('profiles: [unused]');
    expect(read('full', 'nginx.conf')).not.toContain('location /media/');
    const ci = read('full', '.github/workflows/ci.yml');
    expect(ci).toContain('TEST_DATABASE_URL: postgres://app:app@127.0.0.1:5432/app_test\n');
    expect(ci).toContain('REDIS_URL: redis://127.0.0.1:6379\n');
    expect(ci).toContain('npx basalt makemigrations --check');
    expect(res.stdout).toContain('docker compose up -d postgres redis minio');
  });

  it('refuses a folder that is not empty and writes nothing into it', async () => {
    const dir = join(root, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const res = await basaltNew('taken', '--yes', '--no-install');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('is not empty (notes.txt)');
    expect(res.stderr).toContain('Nothing was written');
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses a target that is a file', async () => {
    writeFileSync(join(root, 'a-file'), '');
    const res = await basaltNew('a-file', '--yes', '--no-install');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('exists and is not a folder');
  });

  it('names the valid values of a bad choice, and writes nothing', async () => {
    const res = await basaltNew('bad-choice', '--database', 'mysql', '--no-install');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--database must be one of sqlite, postgres (got 'mysql')");
    expect(existsSync(join(root, 'bad-choice'))).toBe(false);
  });

  it('names the valid options when given an unknown one', async () => {
    const res = await basaltNew('x', '--db', 'postgres');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("Unknown option '--db'");
    expect(res.stderr).toContain(
      'Valid options: --database, --queue, --storage, --name, --yes, --no-install',
    );
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('asks for a folder when none is given', async () => {
    const res = await basaltNew('--yes');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("Name the new project's folder: basalt new <dir>");
  });

  it('refuses a package name npm would not accept', async () => {
    const res = await basaltNew('named', '--name', 'Not Valid', '--no-install');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("'Not Valid' is not a valid npm package name");
    expect(existsSync(join(root, 'named'))).toBe(false);
  });
});

describe('basalt new prompts', () => {
  async function ask(answers: string, given = {}) {
    const input = new PassThrough();
    const output = sink();
    input.end(answers);
    const choices = await askChoices(given, { input, output: output.stream });
    return { choices, output: output.text() };
  }

  it('takes numbers, names and Enter for the default', async () => {
    const { choices, output } = await ask('2\nredis\n\n');
    expect(choices).toEqual({ database: 'postgres', queue: 'redis', storage: 'local' });
    expect(output).toContain('Database:\n  1) sqlite');
    expect(output).toContain('  2) postgres');
  });

  it('asks again after an answer that is not a choice', async () => {
    const { choices, output } = await ask('mysql\n1\n\n\n');
    expect(output).toContain('Answer 1-2 or one of sqlite, postgres.');
    expect(choices.database).toBe('sqlite');
  });

  it('asks only for the choices not given, and takes defaults when input ends', async () => {
    const { choices, output } = await ask('', { storage: 's3' });
    expect(choices).toEqual({ database: 'sqlite', queue: 'database', storage: 's3' });
    expect(output).not.toContain('File storage');
  });
});
