import { createModel, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: [],
  operations: [
    // Create model author
    createModel({
      name: 'author',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        name: { kind: 'string', max: 120 },
        bio: { kind: 'text', nullable: true },
      },
    }),
    // Create model tag
    createModel({
      name: 'tag',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        name: { kind: 'slug', unique: true, max: 40 },
      },
    }),
    // Create model book
    createModel({
      name: 'book',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        title: { kind: 'string', max: 200 },
        isbn: { kind: 'string', unique: true, max: 13 },
        price: { kind: 'decimal', precision: 8, scale: 2 },
        publishedOn: { kind: 'date', nullable: true },
        author: { kind: 'belongsTo', target: 'author', onDelete: 'cascade' },
        cover: { kind: 'file', nullable: true },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
      indexes: [
        {
          name: 'book_author_id_published_on_idx',
          fields: ['author', 'publishedOn'],
          unique: false,
        },
      ],
      checks: [{ name: 'book_price_not_negative', sql: 'price >= 0' }],
    }),
    // Create model book_tags
    createModel({
      name: 'book_tags',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        book: { kind: 'belongsTo', target: 'book', onDelete: 'cascade' },
        tag: { kind: 'belongsTo', target: 'tag', onDelete: 'cascade' },
      },
      indexes: [{ name: 'book_tags_tag_id_idx', fields: ['tag'], unique: false }],
      unique: [{ name: 'book_tags_uniq', fields: ['book', 'tag'] }],
    }),
    // Create model customer
    createModel({
      name: 'customer',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        name: { kind: 'string', max: 120 },
        email: { kind: 'email', unique: true, max: 254 },
      },
    }),
    // Create model order
    createModel({
      name: 'order',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        customer: { kind: 'belongsTo', target: 'customer', onDelete: 'protect' },
        status: {
          kind: 'enum',
          default: 'placed',
          max: 255,
          choices: ['placed', 'paid', 'shipped', 'cancelled'],
        },
        total: { kind: 'decimal', default: '0.00', precision: 10, scale: 2 },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
    }),
    // Create model orderLine
    createModel({
      name: 'orderLine',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        order: { kind: 'belongsTo', target: 'order', onDelete: 'cascade' },
        book: { kind: 'belongsTo', target: 'book', onDelete: 'protect' },
        quantity: { kind: 'integer' },
        unitPrice: { kind: 'decimal', precision: 8, scale: 2 },
      },
      unique: [{ name: 'order_line_order_id_book_id_uniq', fields: ['order', 'book'] }],
    }),
    // Create model review
    createModel({
      name: 'review',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        book: { kind: 'belongsTo', target: 'book', onDelete: 'cascade' },
        customer: { kind: 'belongsTo', target: 'customer', onDelete: 'cascade' },
        rating: { kind: 'integer' },
        body: { kind: 'text', default: '' },
      },
    }),
  ],
});
