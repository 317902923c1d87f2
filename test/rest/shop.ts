import { defineApp, outboxMailBackend } from 'basalt';
import { auth, User } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { t } from 'basalt/http';
import { resource, staffOnly } from 'basalt/rest';

// A small shop the REST tests share: a public catalogue staff manage, and orders their owners see.
export const Author = defineModel('author', {
  name: f.string({ max: 120 }),
  bio: f.text({ optional: true }),
});

export const Tag = defineModel('tag', { name: f.slug({ max: 40, unique: true }) });

export const Book = defineModel(
  'book',
  {
    title: f.string({ max: 200 }),
    isbn: f.string({ max: 13, unique: true }),
    price: f.decimal({ precision: 8, scale: 2 }),
    cost: f.decimal({ precision: 8, scale: 2, default: '0.00' }),
    publishedOn: f.date({ optional: true }),
    inStock: f.boolean({ default: true }),
    author: f.belongsTo(() => Author, { onDelete: 'protect', related: 'books' }),
    tags: f.manyToMany(() => Tag),
  },
  { ordering: ['title'], timestamps: true },
);

export const Order = defineModel(
  'order',
  {
    owner: f.belongsTo(() => User, { onDelete: 'cascade' }),
    status: f.enum({ choices: { placed: 'Placed', cancelled: 'Cancelled' }, default: 'placed' }),
    note: f.string({ max: 200, default: '' }),
  },
  { timestamps: true },
);

const isStaffUser = (user: unknown) => (user as { isStaff?: boolean } | null)?.isStaff === true;

/** Writes hooks saw, in order (tests read and clear it). */
export const hookLog: string[] = [];

export const books = resource(Book, {
  path: '/api/books',
  filters: {
    price: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'],
    author: ['eq', 'in', 'notIn'],
    title: ['eq', 'contains', 'icontains', 'startsWith', 'endsWith'],
    publishedOn: ['isNull', 'gte'],
    inStock: ['eq'],
  },
  search: ['title', 'isbn'],
  ordering: ['price', 'title', 'publishedOn'],
  include: ['author', 'tags'],
  computed: {
    priceWithTax: {
      schema: t.String({ description: 'Price with 20% tax' }),
      get: (book) => (Number(book.price) * 1.2).toFixed(2),
    },
  },
  fieldAccess: { cost: { read: ({ user }) => isStaffUser(user), write: ({ user }) => isStaffUser(user) } },
  permissions: { read: 'anyone', write: 'staff', update: [staffOnly] },
  hooks: {
    async beforeCreate({ data }) {
      hookLog.push(`beforeCreate ${String(data.title)}`);
      if (typeof data.title === 'string') data.title = data.title.trim();
    },
    async afterCreate({ object, db }) {
      hookLog.push(`afterCreate ${object.id}`);
      // Written in the same transaction: it disappears with the book when a later hook fails.
      await db.create(Tag, { name: `created-${object.id}` });
      if (object.title === 'Fail after create') throw new Error('hook failed');
    },
    async beforeUpdate({ object, data }) {
      hookLog.push(`beforeUpdate ${object.id} ${Object.keys(data).join(',')}`);
      // Holds the transaction open, so a concurrent write of the same book overlaps it.
      if (data.title === 'Slow write') await new Promise((resolve) => setTimeout(resolve, 300));
    },
    afterUpdate({ object, previous }) {
      hookLog.push(`afterUpdate ${object.id} ${previous.price}->${object.price}`);
    },
    beforeDelete({ object }) {
      hookLog.push(`beforeDelete ${object.id}`);
    },
    afterDelete({ object }) {
      hookLog.push(`afterDelete ${object.id}`);
    },
  },
});

export const authors = resource(Author, {
  path: '/api/authors',
  filters: ['name'],
  ordering: ['name'],
  include: { books: { model: Book, fields: ['title', 'price'] }, 'books.tags': {} },
  pagination: { style: 'cursor', pageSize: 2, maxPageSize: 5 },
  permissions: { read: 'anyone', write: 'model' },
});

/** Tags: every write by id must say which version it changes (If-Match, else 428). */
export const tags = resource(Tag, {
  path: '/api/tags',
  permissions: { read: 'anyone', write: 'staff' },
  requireIfMatch: true,
});

const OrderSchema = t.Object({ id: t.Integer(), status: t.String() }, { $id: 'OrderStatus' });

export const orders = resource(Order, {
  path: '/api/orders',
  writable: ['note'],
  include: ['owner'],
  filters: { status: ['eq'] },
  ordering: ['createdAt'],
  pagination: { style: 'cursor', pageSize: 10 },
  permissions: { read: 'authenticated', write: 'authenticated', delete: 'staff' },
  scope: (query, { user }) => (isStaffUser(user) ? query : query.where({ ownerId: Number(user?.id ?? 0) })),
  check: ({ action, object }) => action !== 'cancel' || object.status === 'placed',
  hooks: {
    beforeCreate({ data, actor }) {
      data.ownerId = Number(actor.user!.id);
    },
  },
})
  .action('cancel', { response: OrderSchema, access: 'authenticated' }, async ({ object, db }) => {
    const updated = await db.update(Order, object.id, { status: 'cancelled' });
    return { id: updated.id, status: updated.status };
  })
  .action(
    'summary',
    {
      method: 'GET',
      detail: false,
      access: 'authenticated',
      response: t.Object({ placed: t.Integer() }),
    },
    async ({ db, user }) => ({
      placed: await db
        .query(Order)
        .where({ ownerId: Number(user!.id), status: 'placed' })
        .count(),
    }),
  );

export const Coupon = defineModel(
  'coupon',
  { code: f.string({ max: 20, unique: true }), percent: f.integer({ default: 10 }) },
  { primaryKey: 'uuid', ordering: ['code'] },
);

/** A read-and-create API with a UUID key, plain-array lists, fixed fields and no ETags. */
export const coupons = resource(Coupon, {
  path: '/api/coupons',
  actions: ['list', 'retrieve', 'create'],
  pagination: false,
  sparseFields: false,
  etag: false,
  permissions: { read: 'anyone', write: 'anyone' },
});

export const mail = outboxMailBackend();

export const shop = defineApp({
  name: 'shop',
  modules: [auth({ mail, rateLimits: { ip: false, account: false } })],
  models: [Author, Tag, Book, Order, Coupon],
  routes: [...books.routes, ...authors.routes, ...tags.routes, ...orders.routes, ...coupons.routes],
});
