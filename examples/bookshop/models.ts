import { User } from 'basalt/auth';
import { defineModel, f, type Infer } from 'basalt/db';

export const Author = defineModel(
  'author',
  {
    name: f.string({ max: 120, label: 'Name' }),
    bio: f.text({ optional: true, help: 'A short biography shown on the author page' }),
    books: f.hasMany('book', { foreignKey: 'author' }),
  },
  // The authors list orders by name and searches it (api.ts): indexes serve both.
  { indexes: [['name', 'id']], search: { fields: ['name'], mode: 'contains' } },
);

export const Tag = defineModel('tag', {
  name: f.slug({ max: 40, unique: true }),
});

export const Book = defineModel(
  'book',
  {
    title: f.string({ max: 200 }),
    isbn: f.string({
      max: 13,
      unique: true,
      validators: [(v) => (/^\d{10}(\d{3})?$/.test(v) ? undefined : 'ISBN must be 10 or 13 digits')],
    }),
    price: f.decimal({ precision: 8, scale: 2 }),
    publishedOn: f.date({ optional: true }),
    author: f.belongsTo(() => Author, { onDelete: 'cascade', related: 'books' }),
    tags: f.manyToMany(() => Tag),
    reviews: f.hasMany('review', { foreignKey: 'book' }),
    /** Public image in the default storage; set through POST /api/books/:id/cover, never by JSON. */
    cover: f.image({ optional: true, maxSize: 5 * 1024 * 1024, readOnly: true }),
  },
  {
    ordering: ['title'],
    // Every ordering and filter the books list allows has an index (the title one comes from
    // the ordering above); the system check (ops.W001/W002) names any that has none.
    indexes: [
      ['author', 'publishedOn'],
      ['price', 'id'],
      ['publishedOn', 'id'],
      ['createdAt', 'id'],
    ],
    // The books list's search (api.ts), served by trigrams (pg_trgm / FTS5).
    search: { fields: ['title', 'isbn'], mode: 'contains' },
    checks: { book_price_not_negative: 'price >= 0' },
    timestamps: true,
  },
);

export const Customer = defineModel('customer', {
  name: f.string({ max: 120 }),
  email: f.email({ unique: true }),
  /** The account this customer signs in with, when they have one. */
  user: f.belongsTo(() => User, { onDelete: 'setNull', optional: true, related: 'customers' }),
});

export const Order = defineModel(
  'order',
  {
    customer: f.belongsTo(() => Customer, { onDelete: 'protect', related: 'orders' }),
    status: f.enum({
      choices: { placed: 'Placed', paid: 'Paid', shipped: 'Shipped', cancelled: 'Cancelled' },
      default: 'placed',
    }),
    total: f.decimal({ precision: 10, scale: 2, default: '0.00' }),
    /** The invoice PDF, in the private storage: served only to its customer and to staff. */
    invoice: f.file({ optional: true, storage: 'private', accept: ['application/pdf'], readOnly: true }),
    lines: f.hasMany('orderLine', { foreignKey: 'order' }),
  },
  {
    ordering: ['-createdAt'],
    indexes: [
      ['status', 'id'],
      ['total', 'id'],
    ],
    timestamps: true,
  },
);

export const OrderLine = defineModel(
  'orderLine',
  {
    order: f.belongsTo(() => Order, { onDelete: 'cascade', related: 'lines' }),
    book: f.belongsTo(() => Book, { onDelete: 'protect' }),
    quantity: f.integer({ validators: [(n) => (n >= 1 ? undefined : 'Quantity must be at least 1')] }),
    unitPrice: f.decimal({ precision: 8, scale: 2 }),
  },
  { unique: [['order', 'book']] },
);

export const Review = defineModel(
  'review',
  {
    book: f.belongsTo(() => Book, { onDelete: 'cascade', related: 'reviews' }),
    customer: f.belongsTo(() => Customer, { onDelete: 'cascade' }),
    rating: f.integer({ validators: [(n) => (n >= 1 && n <= 5 ? undefined : 'Rating is from 1 to 5')] }),
    body: f.text({ default: '' }),
  },
  { indexes: [['rating', 'id']] },
);

export const models = [Author, Tag, Book, Customer, Order, OrderLine, Review] as const;

export type Book = Infer<typeof Book>;
export type Author = Infer<typeof Author>;
