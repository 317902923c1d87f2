import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineModel, f } from '../../../src/db/index.js';
import { makeMigrations } from '../../../src/db/migrations/makemigrations.js';
import { IMPORT_FROM } from './command-harness.js';

const SCRIPT = fileURLToPath(new URL('./makemigrations-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function answer(
  folder: string,
  answers: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=basalt-source', '--import', 'tsx', SCRIPT, folder], {
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    let asked = 0;
    child.stdout.on('data', (d) => {
      stdout += String(d);
      // Answer each question once it has been asked (readline drops lines typed ahead).
      const questions = stdout.split(/\[y\/N\] |empty for none\): /).length - 1;
      while (asked < questions) child.stdin.write(`${answers[asked++] ?? ''}\n`);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('makemigrations --interactive', () => {
  let folder: string;
  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'basalt-interactive-'));
    const author = defineModel('author', { name: f.string({ max: 120 }), bio: f.text() });
    await makeMigrations({ folder, models: [author], importFrom: IMPORT_FROM });
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('asks about each rename candidate and writes the answers', async () => {
    const result = await answer(folder, ['y', 'n', '"none"']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Did you rename author.name to author.fullName? [y/N]');
    expect(result.stdout).toContain('Did you rename author.bio to author.about? [y/N]');
    expect(result.stdout).toContain(
      'author.about is NOT NULL without a default. Value for the rows already there',
    );
    expect(result.code).toBe(0);
    const file = /Created (\S+\.ts)/.exec(result.stdout)?.[1];
    expect(file).toMatch(/0002_auto_\d{8}_\d{4}\.ts$/);
    const source = readFileSync(file!, 'utf8');
    expect(source).toContain("renameField('author', 'name', 'fullName'),");
    expect(source).toContain("removeField('author', 'bio'),");
    expect(source).toContain("addField('author', 'about', { kind: 'text' }, { fill: 'none' }),");
  });
});
