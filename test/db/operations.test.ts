import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBasaltError } from '../../src/core/index.js';
import {
  type Database,
  DeleteProtectedError,
  defineModel,
  ForeignKeyViolationError,
  f,
  type HookContext,
  UniqueViolationError,
} from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, allModels, Book, Customer, Order, Publisher, Tag } from './fixtures/models.js';

const events: string[] = [];
const log = (name: string) => (ctx: HookContext) => {
  events.push(`${name}:${ctx.operation}:${String(ctx.record.title)}`);
};

const Note = defineModel(
  'note',
  {
    title: f.string({ max: 20 }),
    slug: f.slug({ optional: true }),
    email: f.email({ optional: true }),
    site: f.url({ optional: true }),
    ref: f.uuid({ optional: true }),
    amount: f.decimal({ precision: 5, scale: 2, optional: true }),
    kind: f.enum({ choices: ['memo', 'todo'], default: 'memo' }),
    count: f.integer({ default: 0 }),
    at: f.datetime({ optional: true }),
    day: f.date({ optional: true }),
    clock: f.time({ optional: true }),
    data: f.json({ optional: true }),
    secret: f.string({
      optional: true,
      writeOnly: true,
      validators: [(v) => (v.length < 4 ? 'Too short.' : undefined)],
    }),
  },
  {
    timestamps: true,
    hooks: {
      beforeSave: (ctx) => {
        log('beforeSave')(ctx);
        if (ctx.record.title === 'upper me') ctx.record.title = 'UPPER ME';
      },
      afterSave: log('afterSave'),
      beforeDelete: log('beforeDelete'),
      afterDelete: (ctx) => {
        log('afterDelete')(ctx);
        if (ctx.record.title === 'undeletable') throw new Error('afterDelete refuses');
      },
    },
  },
);

const testModels = [...allModels, Note] as const;

describe.each(dialects)('model operations on $name', (dialect) => {
  let db: Database<(typeof testModels)[number]>;
  let authorId: number;

  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(testModels);
    authorId = (await db.create(Author, { name: 'Le Guin', email: 'ulg@example.com' })).id;
  });
  afterAll(async () => {
    await db?.close();
  });

  it.skipIf(dialect.skip)('reports every invalid field in one ValidationError', async () => {
    const error = await db
      .create(Note, {
        title: 'x'.repeat(21),
        slug: 'not a slug',
        email: 'nope',
        site: 'javascript:alert(1)',
        ref: 'not-a-uuid',
        amount: '1234.5',
        kind: 'other' as 'memo',
        count: 1.5,
        at: 'yesterday' as unknown as Date,
        day: '2024-02-30',
        clock: '25:00',
        secret: 'abc',
        bogus: 1,
      } as never)
      .catch((e: unknown) => e);
    expect(isBasaltError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'BASALT_VALIDATION_FAILED', status: 400 });
    const pointers = (error as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort();
    expect(pointers).toEqual(
      [
        '/amount',
        '/at',
        '/bogus',
        '/clock',
        '/count',
        '/day',
        '/email',
        '/kind',
        '/ref',
        '/secret',
        '/site',
        '/slug',
        '/title',
      ].sort(),
    );
    const missing = await db.create(Book, {} as never).catch((e: unknown) => e);
    expect((missing as { errors: { pointer: string; detail: string }[] }).errors).toEqual(
      expect.arrayContaining([
        { pointer: '/title', detail: 'This field is required.', code: 'required' },
        { pointer: '/authorId', detail: 'This field is required.', code: 'required' },
      ]),
    );
  });

  it.skipIf(dialect.skip)('applies defaults and timestamps, and round-trips every kind', async () => {
    const at = new Date('2024-03-01T12:34:56.789Z');
    const note = await db.create(Note, {
      title: 'hello',
      amount: '0.10',
      at,
      day: '2024-02-29',
      clock: '08:30:00',
      data: { a: [1, 'two'], b: null },
      ref: '3f2a3c9e-8b1a-4c4e-9f3e-1d2c3b4a5f60',
    });
    expect(note).toMatchObject({
      kind: 'memo',
      count: 0,
      amount: '0.10',
      day: '2024-02-29',
      data: { a: [1, 'two'], b: null },
    });
    expect(note.clock?.startsWith('08:30')).toBe(true);
    expect(note.at?.toISOString()).toBe('2024-03-01T12:34:56.789Z');
    expect(note.createdAt).toBeInstanceOf(Date);
    const again = await db.get(Note, note.id);
    expect(again.at?.toISOString()).toBe('2024-03-01T12:34:56.789Z');
    expect(again.amount).toBe('0.10');
    const later = await db.update(Note, note.id, { count: 2 });
    expect(later.updatedAt.getTime()).toBeGreaterThanOrEqual(note.updatedAt.getTime());
    expect(later.createdAt.getTime()).toBe(note.createdAt.getTime());
    const order = await db.create(Order, { customerId: (await db.create(Customer, { name: 'c' })).id });
    expect(order.total).toBe('0.00');
    expect(order.placedAt).toBeInstanceOf(Date);
    const pub = await db.create(Publisher, { name: 'Tor', site: 'https://tor.com' });
    expect(pub.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await db.get(Publisher, pub.id)).code).toBe(pub.code);
  });

  it.skipIf(dialect.skip)('checks JSON against its schema and round-trips file references', async () => {
    const base = { title: 'J', isbn: 'json1', price: '1.00', authorId };
    await expect(db.create(Book, { ...base, meta: { edition: 'first' } as never })).rejects.toMatchObject({
      errors: [{ pointer: '/meta' }],
    });
    const book = await db.create(Book, { ...base, meta: { edition: 2 } });
    expect((await db.get(Book, book.id)).meta).toEqual({ edition: 2 });
    const Cover = defineModel('cover', { image: f.file({ optional: true, accept: ['image/*'] }) });
    const local = await dialect.open([Cover]);
    try {
      const file = { key: 'covers/a.png', name: 'a.png', size: 12, contentType: 'image/png' };
      const row = await local.create(Cover, { image: file });
      expect((await local.get(Cover, row.id)).image).toEqual(file);
      await expect(local.create(Cover, { image: { name: 'x' } as never })).rejects.toMatchObject({
        errors: [{ pointer: '/image' }],
      });
    } finally {
      await local.close();
    }
  });

  it.skipIf(dialect.skip)('keeps decimals exact', async () => {
    const c = await db.create(Customer, { name: 'decimal' });
    await db.createMany(
      Order,
      Array.from({ length: 30 }, () => ({ customerId: c.id, total: '0.10' })),
    );
    const sum = await db
      .query(Order)
      .where({ customerId: c.id })
      .aggregate({ total: { fn: 'sum', field: 'total' } });
    expect(sum.total).toBe('3.00');
    const o = await db.create(Order, { customerId: c.id, total: '12345678.99' });
    expect((await db.get(Order, o.id)).total).toBe('12345678.99');
    await expect(
      db.create(Order, { customerId: c.id, total: 0.1 as unknown as string }),
    ).rejects.toMatchObject({ code: 'BASALT_VALIDATION_FAILED' });
  });

  it.skipIf(dialect.skip)('runs lifecycle hooks with the record', async () => {
    events.length = 0;
    const note = await db.create(Note, { title: 'upper me' });
    expect(note.title).toBe('UPPER ME');
    await db.update(Note, note.id, { title: 'renamed' });
    await db.delete(Note, note.id);
    expect(events).toEqual([
      'beforeSave:create:upper me',
      'afterSave:create:UPPER ME',
      'beforeSave:update:renamed',
      'afterSave:update:renamed',
      'beforeDelete:delete:renamed',
      'afterDelete:delete:renamed',
    ]);
    const keep = await db.create(Note, { title: 'undeletable' });
    await expect(db.delete(Note, keep.id)).rejects.toThrow('afterDelete refuses');
    expect(await db.query(Note).where({ id: keep.id }).exists()).toBe(true);
  });

  it.skipIf(dialect.skip)('maps a unique violation to a typed 409 naming the field', async () => {
    await db.create(Book, { title: 'One', isbn: 'dup', price: '1.00', authorId });
    const error = await db
      .create(Book, { title: 'Two', isbn: 'dup', price: '1.00', authorId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect(error).toMatchObject({
      code: 'BASALT_DB_UNIQUE_VIOLATION',
      status: 409,
      fields: ['isbn'],
      errors: [{ pointer: '/isbn' }],
    });
    await expect(db.create(Author, { name: 'x', email: 'ulg@example.com' })).rejects.toMatchObject({
      fields: ['email'],
    });
  });

  it.skipIf(dialect.skip)('maps a foreign-key violation to a typed 400', async () => {
    const error = await db
      .create(Book, { title: 'Orphan', isbn: 'orphan', price: '1.00', authorId: 987654 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignKeyViolationError);
    expect(error).toMatchObject({ code: 'BASALT_DB_FOREIGN_KEY_VIOLATION', status: 400 });
    const book = await db.create(Book, { title: 'Tagged', isbn: 'tagged', price: '1.00', authorId });
    await expect(db.update(Book, book.id, { tags: [424242] })).rejects.toMatchObject({
      code: 'BASALT_DB_FOREIGN_KEY_VIOLATION',
      fields: ['tags'],
    });
  });

  it.skipIf(dialect.skip)(
    'refuses to delete a protected row with a typed 409, and cascades otherwise',
    async () => {
      const c = await db.create(Customer, { name: 'protected' });
      await db.create(Order, { customerId: c.id });
      const error = await db.delete(Customer, c.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeleteProtectedError);
      expect(error).toMatchObject({ code: 'BASALT_DB_DELETE_PROTECTED', status: 409 });
      const a = await db.create(Author, { name: 'cascade me' });
      await db.create(Book, { title: 'Gone', isbn: 'gone', price: '1.00', authorId: a.id });
      await db.delete(Author, a.id);
      expect(await db.query(Book).where({ isbn: 'gone' }).exists()).toBe(false);
      await expect(db.delete(Author, a.id)).rejects.toMatchObject({
        code: 'BASALT_DB_RECORD_NOT_FOUND',
        status: 404,
      });
      await expect(db.update(Author, a.id, { name: 'x' })).rejects.toMatchObject({
        code: 'BASALT_DB_RECORD_NOT_FOUND',
      });
    },
  );

  it.skipIf(dialect.skip)('updates and deletes many, and upserts', async () => {
    await db.createMany(Tag, [{ name: 'm1' }, { name: 'm2' }, { name: 'x3' }]);
    expect(
      await db.updateMany(Tag, { name: { startsWith: 'm' } }, { name: 'mm' }).catch((e: unknown) => e),
    ).toBeInstanceOf(UniqueViolationError);
    expect(await db.deleteMany(Tag, { name: { in: ['m1', 'm2'] } })).toBe(2);
    expect(await db.updateMany(Author, { name: 'Le Guin' }, { bio: 'Earthsea' })).toBe(1);
    const first = await db.upsert(Tag, { name: 'x3' }, { conflict: ['name'] });
    const again = await db.upsert(Tag, { name: 'x3' }, { conflict: ['name'] });
    expect(again.id).toBe(first.id);
    const b1 = await db.upsert(
      Book,
      { title: 'Up', isbn: 'up', price: '1.00', authorId },
      { conflict: ['isbn'] },
    );
    const b2 = await db.upsert(
      Book,
      { title: 'Up 2', isbn: 'up', price: '2.00', authorId },
      { conflict: ['isbn'], update: ['price'] },
    );
    expect(b2).toMatchObject({ id: b1.id, title: 'Up', price: '2.00' });
  });
});
