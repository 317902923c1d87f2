import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from 'basalt/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The compose.yaml `basalt new` writes, checked as a structure (no container engine runs in
// CI): every service the stack needs, wired the way the multi-node test runs it for real —
// nginx with the nginx.conf beside it in front of `app`, migrations before the app, workers
// that also schedule, and graceful stops longer than SHUTDOWN_TIMEOUT.

const root = mkdtempSync(join(tmpdir(), 'basalt-compose-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Service {
  image?: string;
  user?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  healthcheck?: { disable?: boolean; test?: string[] };
}

async function project(name: string, ...choices: string[]) {
  const out = new PassThrough();
  out.resume();
  const code = await runCli(['new', name, '--yes', '--no-install', ...choices], {
    cwd: root,
    stdout: out,
    stderr: out,
    env: {},
  });
  expect(code).toBe(0);
  const compose = parse(readFileSync(join(root, name, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const nginx = readFileSync(join(root, name, 'nginx.conf'), 'utf8');
  return { compose, nginx };
}

const seconds = (value: string | undefined) => Number(/^(\d+)s$/.exec(value ?? '')?.[1] ?? Number.NaN);

describe('the generated compose.yaml', () => {
  it('runs PostgreSQL, Redis and S3 with migrate, app, worker and nginx wired together', async () => {
    const { compose, nginx } = await project(
      'scaled',
      '--database',
      'postgres',
      '--queue',
      'redis',
      '--storage',
      's3',
    );
    const s = compose.services;
    for (const name of ['migrate', 'app', 'worker', 'nginx', 'postgres', 'redis', 'minio', 'minio-bucket'])
      expect(s[name], `service ${name}`).toBeDefined();
    // Chosen services run by default; none sits in the unused profile.
    for (const name of ['postgres', 'redis', 'minio', 'minio-bucket'])
      expect(s[name]!.profiles).toBeUndefined();
    // One image for the app's processes, one configuration.
    for (const name of ['migrate', 'app', 'worker']) {
      expect(s[name]!.build).toBe('.');
      expect(s[name]!.environment).toMatchObject({
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        TRUST_PROXY: 'true',
        DATABASE_URL: 'postgres://app:app@postgres:5432/app',
        JOBS_BACKEND: 'redis',
        REDIS_URL: 'redis://redis:6379',
      });
      expect(s[name]!.environment!.STORAGE_URL).toMatch(/^s3:\/\/.+endpoint=http:\/\/minio:9000/);
    }
    expect(s.migrate!.command).toEqual(['node_modules/.bin/basalt', 'migrate']);
    expect(s.app!.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    // Workers run the schedules too: several schedulers enqueue each tick once.
    expect(s.worker!.command).toEqual(['node_modules/.bin/basalt', 'worker', '--schedule']);
    expect(s.worker!.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    // Graceful stops outlast SHUTDOWN_TIMEOUT (10 s).
    expect(seconds(s.app!.stop_grace_period)).toBeGreaterThan(10);
    expect(seconds(s.worker!.stop_grace_period)).toBeGreaterThan(10);
    // nginx runs the nginx.conf beside it, proxies to app's port, and waits for a healthy app.
    expect(s.nginx!.volumes).toContain('./nginx.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(s.nginx!.depends_on).toMatchObject({ app: { condition: 'service_healthy' } });
    const port = s.app!.environment!.PORT;
    expect(nginx).toMatch(new RegExp(`server app:${port};`));
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    // Every named volume a service mounts is declared.
    const named = Object.values(s)
      .flatMap((service) => service.volumes ?? [])
      .map((v) => v.split(':')[0]!)
      .filter((v) => !v.startsWith('.') && !v.startsWith('/'));
    for (const volume of named) expect(Object.keys(compose.volumes), `volume ${volume}`).toContain(volume);
    // Databases listen on loopback only.
    for (const name of ['postgres', 'redis', 'minio'])
      for (const mapping of s[name]!.ports ?? []) expect(mapping).toMatch(/^127\.0\.0\.1:/);
    // No service built from the app's image runs as root: the static copier writes to a folder
    // the image gives its unprivileged user (a new volume takes that owner).
    for (const name of ['migrate', 'static', 'app', 'worker']) expect(s[name]!.user, name).toBeUndefined();
    expect(s.static!.volumes).toContain('static:/srv/static');
    const dockerfile = readFileSync(join(root, 'scaled', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/chown node:node [^\n]*\/srv\/static/);
    expect(dockerfile.indexOf('/srv/static')).toBeLessThan(dockerfile.indexOf('USER node'));
  });

  it('keeps what an embedded project does not use out of `docker compose up`', async () => {
    const { compose } = await project('embedded');
    const s = compose.services;
    for (const name of ['postgres', 'redis', 'minio', 'minio-bucket'])
      expect(s[name]!.profiles).toEqual(['unused']);
    expect(s.app!.environment).toMatchObject({
      DATABASE_URL: 'sqlite:./data/app.db',
      JOBS_BACKEND: 'database',
    });
    expect(s.app!.environment!.REDIS_URL).toBeUndefined();
  });
});
