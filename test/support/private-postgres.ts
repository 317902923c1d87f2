import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A PostgreSQL cluster of a test's own, on a port of its own, in a temporary folder: for
// outages (stop, start) and replication, leaving the machine's PostgreSQL untouched.

/** The newest PostgreSQL's binaries on this machine (Debian's layout), if any. */
export const PG_BIN = (() => {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : undefined;
  } catch {
    return undefined;
  }
})();

/** PostgreSQL refuses to run as root: then its commands run as the postgres user. */
export const PG_USER = (() => {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    return { uid, gid };
  } catch {
    return undefined;
  }
})() as { uid?: number; gid?: number } | undefined;

/** Whether a private cluster can be made here. */
export const CAN_RUN_POSTGRES = PG_USER !== undefined && PG_BIN !== undefined;

/** Polls `probe` until it answers true, or fails after `ms` (a deadline, never a bare sleep). */
export async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private PostgreSQL cluster in a temporary folder. */
export class PrivatePostgres {
  readonly port: number;
  readonly dir = mkdtempSync(join(tmpdir(), 'basalt-pg-'));
  constructor(port: number) {
    this.port = port;
    if (PG_USER?.uid !== undefined) chownSync(this.dir, PG_USER.uid, PG_USER.gid!);
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  get #data() {
    return join(this.dir, 'data');
  }
  init(): void {
    execFileSync(`${PG_BIN}/initdb`, ['-A', 'trust', '-U', 'postgres', '-D', this.#data], {
      stdio: 'ignore',
      ...PG_USER,
    });
  }
  /** Makes this cluster a streaming standby of `primary` (pg_basebackup -R): start it afterwards. */
  replicate(primary: PrivatePostgres): void {
    execFileSync(
      `${PG_BIN}/pg_basebackup`,
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        'postgres',
        '-D',
        this.#data,
        '-R',
        '-X',
        'stream',
      ],
      { stdio: 'ignore', ...PG_USER },
    );
  }
  start(): void {
    execFileSync(
      `${PG_BIN}/pg_ctl`,
      [
        '-D',
        this.#data,
        '-o',
        `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        '-l',
        join(this.dir, 'log'),
        '-w',
        'start',
      ],
      { stdio: 'ignore', ...PG_USER },
    );
  }
  stop(): void {
    execFileSync(`${PG_BIN}/pg_ctl`, ['-D', this.#data, '-m', 'immediate', '-w', 'stop'], {
      stdio: 'ignore',
      ...PG_USER,
    });
  }
  remove(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
