import { randomBytes } from 'node:crypto';
import { ValidationError } from 'basalt';
import { createDatabase, type Database, defineModel, type Executor, f } from 'basalt/db';
import { defineCollection, operations, userActor } from 'basalt/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Nested writes through the operation layer: a parent and its children in one validated
// transaction, errors pointing into the children, the set replaced on update. SQLite and
// PostgreSQL.

const Product = defineModel('product', { name: f.string({ max: 80 }), price: f.integer() });
const Basket = defineModel('basket', {
  owner: f.integer(),
  total: f.integer({ default: 0 }),
  items: f.hasMany('basketItem', { foreignKey: 'basket' }),
});
const BasketItem = defineModel(
  'basketItem',
  {
    basket: f.belongsTo(() => Basket, { onDelete: 'cascade' }),
    product: f.belongsTo(() => Product, { onDelete: 'protect' }),
    quantity: f.integer({ validators: [(n) => (n >= 1 ? undefined : 'At least 1')] }),
    unitPrice: f.integer(),
  },
  { unique: [['basket', 'product']] },
);

const baskets = defineCollection(Basket, {
  readOnly: ['owner', 'total'],
  permissions: { read: 'authenticated', write: 'authenticated' },
  scope: (query, actor) => query.where({ owner: Number(actor.user?.id) }),
  nested: { items: { model: BasketItem, fields: ['product', 'quantity'], min: 1, max: 5 } },
  hooks: {
    // Prices come from the catalogue, as a shop's would: the hook sees the checked children.
    async beforeCreate({ actor, db, data }) {
      data.owner = Number(actor.user?.id);
      await price(db, data);
    },
    async beforeUpdate({ db, data }) {
      if (data.items) await price(db, data);
    },
  },
});

async function price(
  db: Executor,
  data: { items?: { productId?: number; quantity?: number; unitPrice?: number }[]; total?: number },
) {
  const items = data.items ?? [];
  const ids = items.map((i) => i.productId!).filter((id) => id !== undefined);
  const products = new Map(
    (
      await db
        .query(Product)
        .where({ id: { in: ids } })
        .all()
    ).map((p) => [p.id, p]),
  );
  let total = 0;
  for (const item of items) {
    if (item.productId === undefined) continue;
    item.unitPrice = products.get(item.productId)!.price;
    total += item.unitPrice * (item.quantity ?? 0);
  }
  data.total = total;
}

const alice = userActor({ id: 1, isActive: true });
const bob = userActor({ id: 2, isActive: true });

const cases = [
  { name: 'SQLite', postgres: false },
  ...(hasPostgres ? [{ name: 'PostgreSQL', postgres: true }] : []),
];

async function rejected(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe.each(cases)('nested writes on $name', ({ postgres }) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres ? createDatabase({ url: POSTGRES_URL, models: [] }) : null;
  let db: Database;
  let pen: number;
  let ink: number;
  let pad: number;

  beforeAll(async () => {
    if (admin) await admin.kysely.schema.createSchema(schema).execute();
    const models = [Product, Basket, BasketItem];
    db = postgres
      ? createDatabase({ url: POSTGRES_URL, models, searchPath: schema, poolSize: 2 })
      : createDatabase({ url: 'sqlite::memory:', models });
    await db.createTables();
    pen = (await db.create(Product, { name: 'Pen', price: 150 })).id;
    ink = (await db.create(Product, { name: 'Ink', price: 400 })).id;
    pad = (await db.create(Product, { name: 'Pad', price: 275 })).id;
  });
  afterAll(async () => {
    await db.close();
    if (admin) {
      await admin.kysely.schema.dropSchema(schema).cascade().execute();
      await admin.close();
    }
  });

  const counts = async () => ({
    baskets: await db.query(Basket).count(),
    items: await db.query(BasketItem).count(),
  });

  it('creates the parent and its children in one write, with the hook pricing them', async () => {
    const ops = operations(db);
    const basket = await ops.create(alice, baskets, {
      items: [
        { productId: pen, quantity: 2 },
        { productId: ink, quantity: 1 },
      ],
    });
    expect(basket.owner).toBe(1);
    expect(basket.total).toBe(2 * 150 + 400);
    const items = basket.items as { id: number; productId: number; quantity: number; unitPrice: number }[];
    expect(items.map((i) => [i.productId, i.quantity, i.unitPrice])).toEqual([
      [pen, 2, 150],
      [ink, 1, 400],
    ]);
    const stored = await db
      .query(BasketItem)
      .where({ basketId: basket.id as number })
      .orderBy('id')
      .all();
    expect(stored.map((i) => i.id)).toEqual(items.map((i) => i.id));
    // The children are shown when the parent is read with them.
    const read = await ops.get(alice, baskets, basket.id, { include: 'items' });
    expect((read.items as unknown[]).length).toBe(2);
  });

  it('writes nothing when one child is bad, and every error points into its child', async () => {
    const ops = operations(db);
    const before = await counts();
    const error = await rejected(
      ops.create(alice, baskets, {
        items: [
          { productId: pen, quantity: 1 },
          { productId: 999_999, quantity: 1 },
          { productId: ink, quantity: 0 },
          { productId: pen, quantity: 3 },
          { productId: pad, quantity: 1, unitPrice: 1 } as never,
        ],
      }),
    );
    const pointers = Object.fromEntries(error.errors!.map((e) => [e.pointer, e.code]));
    expect(pointers).toEqual({
      '/items/1/productId': 'does_not_exist',
      '/items/2/quantity': 'invalid',
      '/items/3/productId': 'duplicate',
      '/items/4/unitPrice': 'unknown',
    });
    expect(await counts()).toEqual(before);
  });

  it('refuses a missing child field, an empty or too long list, and a list that is not one', async () => {
    const ops = operations(db);
    const before = await counts();
    const missing = await rejected(ops.create(alice, baskets, { items: [{ productId: pen }] }));
    expect(missing.errors).toEqual([
      expect.objectContaining({ pointer: '/items/0/quantity', code: 'required' }),
    ]);
    const none = await rejected(ops.create(alice, baskets, {}));
    expect(none.errors?.[0]?.pointer).toBe('/items');
    const empty = await rejected(ops.create(alice, baskets, { items: [] }));
    expect(empty.errors?.[0]?.code).toBe('min_items');
    const many = Array.from({ length: 6 }, () => ({ productId: pen, quantity: 1 }));
    const tooMany = await rejected(ops.create(alice, baskets, { items: many }));
    expect(tooMany.errors?.[0]?.code).toBe('max_items');
    const notList = await rejected(ops.create(alice, baskets, { items: { productId: pen } as never }));
    expect(notList.errors?.[0]).toEqual(expect.objectContaining({ pointer: '/items', code: 'invalid' }));
    const notObject = await rejected(ops.create(alice, baskets, { items: [7 as never] }));
    expect(notObject.errors?.[0]?.pointer).toBe('/items/0');
    expect(await counts()).toEqual(before);
  });

  it('replaces the set on update: keeps and changes children with an id, adds new ones, deletes the rest', async () => {
    const ops = operations(db);
    const basket = await ops.create(alice, baskets, {
      items: [
        { productId: pen, quantity: 1 },
        { productId: ink, quantity: 1 },
      ],
    });
    const [penItem] = basket.items as { id: number }[];
    const updated = await ops.update(alice, baskets, basket.id, {
      items: [
        { id: penItem!.id, productId: pen, quantity: 4 },
        { productId: pad, quantity: 2 },
      ],
    });
    expect(updated.total).toBe(4 * 150 + 2 * 275);
    const stored = await db
      .query(BasketItem)
      .where({ basketId: basket.id as number })
      .orderBy('id')
      .all();
    expect(stored.map((i) => [i.productId, i.quantity])).toEqual([
      [pen, 4],
      [pad, 2],
    ]);
    expect(stored[0]!.id).toBe(penItem!.id);
    // An update without the relation leaves the children alone.
    await ops.update(alice, baskets, basket.id, {});
    expect(
      await db
        .query(BasketItem)
        .where({ basketId: basket.id as number })
        .count(),
    ).toBe(2);
  });

  it("refuses another parent's child on update and changes nothing", async () => {
    const ops = operations(db);
    const mine = await ops.create(alice, baskets, { items: [{ productId: pen, quantity: 1 }] });
    const theirs = await ops.create(bob, baskets, { items: [{ productId: ink, quantity: 1 }] });
    const theirItem = (theirs.items as { id: number }[])[0]!.id;
    const error = await rejected(
      ops.update(alice, baskets, mine.id, { items: [{ id: theirItem, quantity: 9 }] }),
    );
    expect(error.errors).toEqual([
      expect.objectContaining({ pointer: '/items/0/id', code: 'does_not_exist' }),
    ]);
    expect((await db.get(BasketItem, theirItem)).quantity).toBe(1);
    expect(
      await db
        .query(BasketItem)
        .where({ basketId: mine.id as number })
        .count(),
    ).toBe(1);
  });
});
