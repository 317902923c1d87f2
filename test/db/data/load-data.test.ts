import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpData } from '../../../src/db/data/dump.js';
import { FixtureError } from '../../../src/db/data/errors.js';
import type { Fixture } from '../../../src/db/data/fixture.js';
import { loadData } from '../../../src/db/data/load.js';
import type { Database } from '../../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js';
import { dialects } from './dialects.js';
import { Category, Label, models, Note, Volume, Writer } from './models.js';

async function populate(db: Database): Promise<void> {
  const [fantasy, classic] = await db.createMany(Label, [{ name: 'fantasy' }, { name: 'classic' }]);
  const quoted = await db.create(Writer, { name: 'Ursula "K." Le Guin\'s estate — ünïcødé ✓', bio: null });
  const plain = await db.create(Writer, { name: 'Frank Herbert', bio: 'Line one\nline two' });
  const fiction = await db.create(Category, { name: 'Fiction' });
  const sf = await db.create(Category, { name: 'SF', parentId: fiction.id });
  await db.create(Volume, {
    title: 'A Wizard of Earthsea',
    price: '9.99',
    publishedOn: '1968-09-01',
    releasedAt: new Date('1968-09-01T10:30:00.123Z'),
    inPrint: false,
    rating: 4.5,
    extra: { editions: [1, 2], note: "l'été" },
    writerId: quoted.id,
    categoryId: sf.id,
    labels: [fantasy!.id, classic!.id],
  });
  const dune = await db.create(Volume, { title: 'Dune', price: '1234.50', writerId: plain.id, labels: [] });
  await db.create(Note, { body: 'Spice ✓ "must" flow', volumeId: dune.id });
}

const dumpOf = async (db: Database) => JSON.parse(JSON.stringify(await dumpData(db))) as Fixture[];

describe.each(dialects)('dumpData and loadData on $name', ({ url, skip }) => {
  let source: TestDatabase;
  let target: TestDatabase;
  beforeEach(async () => {
    if (skip) return;
    source = await createTestDatabase({ models, url });
    target = await createTestDatabase({ models, url });
  });
  afterEach(async () => {
    if (skip) return;
    await source.close();
    await target.close();
  });

  it.skipIf(skip)(
    'dumps Django-style records with pks, related pks, decimals as strings and ISO datetimes',
    async () => {
      await populate(source.db);
      const fixtures = await dumpOf(source.db);
      expect(fixtures.map((r) => r.model).filter((m) => m !== 'note')).toEqual([
        'writer',
        'writer',
        'label',
        'label',
        'category',
        'category',
        'volume',
        'volume',
      ]);
      const earthsea = fixtures.find((r) => r.fields.title === 'A Wizard of Earthsea')!;
      expect(earthsea).toMatchObject({
        model: 'volume',
        pk: 1,
        fields: {
          price: '9.99',
          publishedOn: '1968-09-01',
          releasedAt: '1968-09-01T10:30:00.123Z',
          inPrint: false,
          rating: 4.5,
          extra: { editions: [1, 2], note: "l'été" },
          writer: 1,
          category: 2,
          labels: [1, 2],
        },
      });
      expect(typeof earthsea.fields.createdAt).toBe('string');
      expect(fixtures.find((r) => r.fields.title === 'Dune')!.fields).toMatchObject({
        price: '1234.50',
        publishedOn: null,
        category: null,
        labels: [],
      });
    },
  );

  it.skipIf(skip)('loads a dump into an empty database with identical rows', async () => {
    await populate(source.db);
    const fixtures = await dumpOf(source.db);
    const result = await loadData(target.db, fixtures);
    expect(result).toEqual({ count: 9, models: { writer: 2, label: 2, category: 2, volume: 2, note: 1 } });
    expect(await dumpOf(target.db)).toEqual(fixtures);
    const [a, b] = [source.db, target.db].map((db) =>
      db
        .query(Volume)
        .all()
        .then((rows) => rows.map((r) => ({ ...r }))),
    );
    expect(await b).toEqual(await a);
    expect(await target.db.query(Writer).all()).toEqual(await source.db.query(Writer).all());
  });

  it.skipIf(skip)('loads records in any order (children before parents, self references)', async () => {
    const fixtures: Fixture[] = [
      { model: 'volume', pk: 3, fields: { title: 'T', price: '1.00', writer: 5, category: 8, labels: [4] } },
      { model: 'category', pk: 8, fields: { name: 'Child', parent: 7 } },
      { model: 'category', pk: 7, fields: { name: 'Root', parent: null } },
      { model: 'label', pk: 4, fields: { name: 'x' } },
      { model: 'writer', pk: 5, fields: { name: 'W' } },
    ];
    await loadData(target.db, fixtures);
    const volume = await target.db.get(Volume, 3);
    expect(volume).toMatchObject({ writerId: 5, categoryId: 8, inPrint: true });
    expect((await target.db.get(Category, 8)).parentId).toBe(7);
  });

  it.skipIf(skip)('overwrites rows with the same pk instead of duplicating them', async () => {
    await populate(source.db);
    const fixtures = await dumpOf(source.db);
    await loadData(target.db, fixtures);
    await loadData(target.db, fixtures);
    expect(await target.db.query(Volume).count()).toBe(2);
    const changed = fixtures.map((r) =>
      r.model === 'volume' && r.pk === 1
        ? { ...r, fields: { ...r.fields, title: 'Renamed', labels: [2] } }
        : r,
    );
    await loadData(target.db, changed);
    expect(await target.db.query(Volume).count()).toBe(2);
    expect((await target.db.get(Volume, 1)).title).toBe('Renamed');
    expect(await dumpOf(target.db)).toEqual(JSON.parse(JSON.stringify(changed)));
  });

  it.skipIf(skip)('gives a later create() an id past the loaded primary keys', async () => {
    await loadData(target.db, [
      { model: 'writer', pk: 41, fields: { name: 'A' } },
      { model: 'writer', pk: 42, fields: { name: 'B' } },
    ]);
    const created = await target.db.create(Writer, { name: 'C' });
    expect(created.id).toBe(43);
  });

  it.skipIf(skip)('accepts references to rows already in the database', async () => {
    await populate(target.db);
    await loadData(target.db, [
      { model: 'volume', pk: 9, fields: { title: 'New', price: '2.00', writer: 2, labels: [1] } },
    ]);
    expect(await target.db.get(Volume, 9)).toMatchObject({ writerId: 2, title: 'New' });
    expect(await target.db.query(Writer).count()).toBe(2);
  });

  it.skipIf(skip)('keeps UUID primary keys and references between them', async () => {
    const first = '0b7f1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b';
    const second = '9c8b7a6f-5e4d-4c3b-9a2f-1e0d9c8b7a6f';
    await loadData(target.db, [
      { model: 'note', pk: second, fields: { body: 'reply', reply: first } },
      { model: 'note', pk: first, fields: { body: 'first' } },
    ]);
    expect((await target.db.get(Note, second)).replyId).toBe(first);
    const dumped = await dumpData(target.db, { models: ['note'] });
    expect(dumped.map((r) => r.pk).sort()).toEqual([first, second]);
    await expect(
      loadData(target.db, [{ model: 'note', pk: 'not-a-uuid', fields: { body: 'x' } }]),
    ).rejects.toMatchObject({ code: 'BASALT_FIXTURE_INVALID_VALUE', field: 'id' });
  });

  it.skipIf(skip)('inserts a record without a pk as a new row', async () => {
    await loadData(target.db, [{ model: 'writer', fields: { name: 'Anonymous' } }]);
    expect((await target.db.query(Writer).all()).map((w) => w.name)).toEqual(['Anonymous']);
  });

  const valid: Fixture[] = [
    { model: 'writer', pk: 1, fields: { name: 'Kept out' } },
    { model: 'label', pk: 1, fields: { name: 'ok' } },
  ];
  const bad: Array<[string, Fixture, string, string | undefined, RegExp]> = [
    [
      'an unknown model',
      { model: 'nope', pk: 1, fields: {} },
      'BASALT_FIXTURE_UNKNOWN_MODEL',
      undefined,
      /model 'nope'.*Unknown model/,
    ],
    [
      'an unknown field',
      { model: 'writer', pk: 2, fields: { name: 'x', nickname: 'y' } },
      'BASALT_FIXTURE_UNKNOWN_FIELD',
      'nickname',
      /record #2, model 'writer', pk 2, field 'nickname': Unknown field/,
    ],
    [
      'an invalid decimal',
      { model: 'volume', pk: 1, fields: { title: 't', price: 'cheap', writer: 1 } },
      'BASALT_FIXTURE_INVALID_VALUE',
      'price',
      /record #2, model 'volume', pk 1, field 'price': Must be a decimal/,
    ],
    [
      'a missing required field',
      { model: 'volume', pk: 1, fields: { price: '1.00', writer: 1 } },
      'BASALT_FIXTURE_INVALID_VALUE',
      'title',
      /field 'title': This field is required/,
    ],
    [
      'a dangling belongsTo',
      { model: 'volume', pk: 1, fields: { title: 't', price: '1.00', writer: 99 } },
      'BASALT_FIXTURE_DANGLING_REFERENCE',
      'writer',
      /field 'writer': Writer 99 does not exist/,
    ],
    [
      'a dangling manyToMany key',
      { model: 'volume', pk: 1, fields: { title: 't', price: '1.00', writer: 1, labels: [1, 77] } },
      'BASALT_FIXTURE_DANGLING_REFERENCE',
      'labels',
      /field 'labels': Label 77 does not exist/,
    ],
    [
      'a unique value taken by another pk',
      { model: 'label', pk: 2, fields: { name: 'ok' } },
      'BASALT_FIXTURE_INVALID_VALUE',
      'name',
      /record #2, model 'label', pk 2, field 'name': .*already exists/,
    ],
  ];

  it.skipIf(skip).each(bad)(
    'rejects %s and leaves the database unchanged',
    async (_, record, code, field, message) => {
      await populate(target.db);
      const before = await dumpOf(target.db);
      const error = await loadData(target.db, [...valid, record]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FixtureError);
      expect(error).toMatchObject({ code, index: 2, field });
      expect((error as Error).message).toMatch(message);
      expect(await dumpOf(target.db)).toEqual(before);
      expect(await target.db.query(Writer).where({ name: 'Kept out' }).exists()).toBe(false);
    },
  );

  it.skipIf(skip)('rejects a fixture that is not an array of records', async () => {
    await expect(loadData(target.db, { model: 'writer' } as never)).rejects.toMatchObject({
      code: 'BASALT_FIXTURE_MALFORMED',
    });
    await expect(loadData(target.db, [42] as never)).rejects.toMatchObject({
      code: 'BASALT_FIXTURE_MALFORMED',
      index: 0,
    });
  });

  it.skipIf(skip)('dumps only the models asked for, and names an unknown one', async () => {
    await populate(source.db);
    const fixtures = await dumpData(source.db, { models: ['label'] });
    expect(fixtures.map((r) => r.fields.name)).toEqual(['fantasy', 'classic']);
    await expect(dumpData(source.db, { models: ['nope'] })).rejects.toMatchObject({
      code: 'BASALT_FIXTURE_UNKNOWN_MODEL',
    });
  });
});
