import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, defineModel, f } from '../../src/db/index.js';

const Item = defineModel('open_item', { label: f.string({ max: 20 }) });

// Another process creates the file in rollback-journal mode and holds a write lock on it for
// a moment, as a second `migrate` may while Basalt opens the same new file. SQLite then refuses
// the switch to WAL at once (SQLITE_BUSY, without waiting for its busy timeout).
const HOLDER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('journal_mode = DELETE');
db.exec('create table open_item (id integer primary key, label varchar(20) not null)');
db.exec('begin immediate');
db.exec("insert into open_item (label) values ('first')");
process.stdout.write('locked\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
db.exec('commit');
db.close();
`;

describe('opening a SQLite file another process holds', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('waits for the write lock to switch to WAL instead of failing with SQLITE_BUSY', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'basalt-open-'));
    folders.push(folder);
    const file = join(folder, 'app.db');
    const holder = spawn(process.execPath, ['-e', HOLDER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      holder.on('exit', () => reject(new Error('the holder exited before locking')));
    });
    const db = createDatabase({ url: `sqlite:${file}`, models: [Item] });
    try {
      const rows = await db.query(Item).all();
      expect(rows.map((r) => r.label)).toEqual(['first']);
      expect(await exited).toBe(0);
    } finally {
      await db.close();
    }
  });
});
