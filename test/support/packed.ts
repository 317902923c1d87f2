// The packed basalt tarball for the tests that install it (test/package, test/scaffold).
// `npm pack` runs prepack, which empties and rebuilds dist/ in the repository, so two test
// files packing at once would break each other: packing is serialised by a lock folder, and
// the tarball is kept under a key that hashes every file that goes into it, so the second
// file (and a re-run with nothing changed) reuses it instead of packing again.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'basalt-pack');
const INPUTS = ['src', 'bin', 'scripts', 'templates', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function hashInputs(): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
    } else {
      hash.update(path.slice(ROOT.length));
      hash.update(readFileSync(path));
    }
  };
  for (const input of INPUTS) if (existsSync(join(ROOT, input))) add(join(ROOT, input));
  return hash.digest('hex').slice(0, 16);
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /(?<!\.d|\.test|\.test-d)\.ts$/.test(entry.name) ? [path] : [];
  });
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(CACHE, 'lock');
  mkdirSync(CACHE, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is older than any pack takes.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`could not take ${lock} within 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Packs basalt from the working tree (once per content) and resolves with the tarball's path. */
export function packBasalt(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return withLock(async () => {
    const folder = join(CACHE, hashInputs());
    const done = existsSync(folder) ? readdirSync(folder).find((name) => name.endsWith('.tgz')) : undefined;
    if (done) return join(folder, done);
    const partial = `${folder}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const { stdout } = await promisify(execFile)('npm', ['pack', '--silent', '--pack-destination', partial], {
      cwd: ROOT,
      env,
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const name = stdout.trim().split('\n').pop() ?? '';
    if (!name.endsWith('.tgz') || !existsSync(join(partial, name)))
      throw new Error(`npm pack did not produce a tarball: ${stdout}`);
    // A dist/ rebuilt by someone else while this packed would leave files out: every source
    // file must have its compiled twin in the tarball, or the tarball is not kept.
    const { stdout: listing } = await promisify(execFile)('tar', ['tzf', join(partial, name)], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const packedFiles = new Set(listing.split('\n'));
    const missing = sourceFiles(join(ROOT, 'src'))
      .map((file) => `package/dist/${file.slice(join(ROOT, 'src').length + 1).replace(/\.ts$/, '.js')}`)
      .filter((file) => !packedFiles.has(file));
    if (missing.length > 0) {
      rmSync(partial, { recursive: true, force: true });
      throw new Error(
        `the packed tarball lacks ${missing.slice(0, 5).join(', ')} (was dist/ rebuilt while packing?)`,
      );
    }
    rmSync(folder, { recursive: true, force: true });
    renameSync(partial, folder);
    return join(folder, name);
  });
}
