import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineModel, f } from '../../../src/db/index.js';
import { detectChanges } from '../../../src/db/migrations/autodetector.js';
import type { NamedMigration } from '../../../src/db/migrations/index.js';
import { createMigrationRunner, defineMigration } from '../../../src/db/migrations/index.js';
import { stateFromModels } from '../../../src/db/migrations/state.js';
import type { TestDatabase } from './dialects.js';
import { dialects } from './dialects.js';
import { rows, tables } from './fixture-history.js';

const Tag = defineModel('tag', { label: f.string({ max: 30, unique: true }) }, { primaryKey: 'uuid' });
const Item = defineModel(
  'item',
  {
    name: f.string({ max: 40, index: true }),
    body: f.text({ optional: true }),
    count: f.integer({ default: 0 }),
    big: f.bigInteger({ optional: true }),
    ratio: f.float({ optional: true }),
    price: f.decimal({ precision: 8, scale: 2, default: '0.00' }),
    active: f.boolean({ default: true }),
    day: f.date({ optional: true }),
    at: f.datetime({ optional: true }),
    clock: f.time({ optional: true }),
    ref: f.uuid({ optional: true }),
    email: f.email({ optional: true }),
    status: f.enum({ choices: ['draft', 'live'], default: 'draft' }),
    data: f.json({ optional: true }),
    tag: f.belongsTo(() => Tag, { onDelete: 'setNull', optional: true }),
    tags: f.manyToMany(() => Tag),
  },
  { timestamps: true },
);
const Item2 = defineModel(
  'item',
  {
    ...Item.fields,
    status: f.enum({ choices: ['draft', 'live', 'archived'], default: 'draft' }),
    name: f.string({ max: 40 }),
  },
  { timestamps: true },
);

async function migrationsFor(): Promise<NamedMigration[]> {
  const s1 = stateFromModels([Tag, Item]);
  const first = await detectChanges(stateFromModels([]), s1);
  const second = await detectChanges(s1, stateFromModels([Tag, Item2]));
  return [
    { ...defineMigration({ operations: first }), name: '0001_initial' },
    { ...defineMigration({ dependencies: ['0001_initial'], operations: second }), name: '0002_archived' },
  ];
}

describe.each(dialects)('field kinds on $name', ({ name: dialect, skip, fresh }) => {
  let t: TestDatabase;
  beforeEach(async () => {
    if (!skip) t = await fresh();
  });
  afterEach(async () => {
    if (!skip) await t.destroy();
  });

  it.skipIf(skip)('creates every kind of column, enforces enum choices and alters them', async () => {
    const migrations = await migrationsFor();
    expect(migrations[0]!.operations.map((o) => o.describe())).toEqual([
      'Create model tag',
      'Create model item',
      'Create model item_tags',
    ]);
    expect(migrations[1]!.operations.map((o) => o.describe())).toEqual([
      'Alter field name on item',
      'Alter field status on item',
    ]);
    const runner = createMigrationRunner({ kysely: t.kysely, dialect, migrations });
    await runner.migrate('0001_initial');
    expect(await tables(t.kysely, dialect)).toEqual(['item', 'item_tags', 'tag']);
    const uuid = '3f1c2a4e-8d1b-4c59-9a57-2f0d6f7f4e11';
    const now = new Date().toISOString();
    await sql`insert into tag (id, label) values (${uuid}, 'sf')`.execute(t.kysely);
    await sql`insert into item (name, tag_id, created_at, updated_at) values ('a', ${uuid}, ${now}, ${now})`.execute(
      t.kysely,
    );
    await sql`insert into item_tags (item_id, tag_id) values (1, ${uuid})`.execute(t.kysely);
    const [row] = await rows(t.kysely, 'item');
    expect(row).toMatchObject({ name: 'a', count: 0, status: 'draft' });
    expect(String(row!.price)).toMatch(/^0(\.00)?$/);
    expect(row!.active === true || row!.active === 1).toBe(true);
    await expect(sql`update item set status = 'archived'`.execute(t.kysely)).rejects.toThrow();
    await expect(
      sql`insert into tag (id, label) values (${uuid.replace('3f', '4f')}, 'sf')`.execute(t.kysely),
    ).rejects.toThrow();

    await runner.migrate();
    await sql`update item set status = 'archived'`.execute(t.kysely);
    expect((await rows(t.kysely, 'item'))[0]).toMatchObject({ name: 'a', status: 'archived', tag_id: uuid });
    await sql`delete from tag`.execute(t.kysely);
    expect((await rows(t.kysely, 'item'))[0]!.tag_id).toBeNull();
    expect(await rows(t.kysely, 'item_tags')).toEqual([]);

    await sql`update item set status = 'live'`.execute(t.kysely);
    await runner.migrate('zero');
    expect(await tables(t.kysely, dialect)).toEqual([]);
  });
});
