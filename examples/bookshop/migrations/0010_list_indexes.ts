import { addIndex, alterField, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0009_audit'],
  operations: [
    // Alter field user on refreshToken
    alterField('refreshToken', 'user', {
      kind: 'belongsTo',
      index: true,
      target: 'user',
      onDelete: 'cascade',
    }),
    // Alter field user on session
    alterField('session', 'user', {
      kind: 'belongsTo',
      nullable: true,
      index: true,
      target: 'user',
      onDelete: 'cascade',
    }),
    // Alter field user on oidcIdentity
    alterField('oidcIdentity', 'user', {
      kind: 'belongsTo',
      index: true,
      target: 'user',
      onDelete: 'cascade',
    }),
    // Create index author_name_id_idx on author (name, id)
    addIndex('author', { name: 'author_name_id_idx', fields: ['name', 'id'] }),
    // Create index book_price_id_idx on book (price, id)
    addIndex('book', { name: 'book_price_id_idx', fields: ['price', 'id'] }),
    // Create index book_published_on_id_idx on book (publishedOn, id)
    addIndex('book', { name: 'book_published_on_id_idx', fields: ['publishedOn', 'id'] }),
    // Create index book_created_at_id_idx on book (createdAt, id)
    addIndex('book', { name: 'book_created_at_id_idx', fields: ['createdAt', 'id'] }),
    // Create index book_title_id_idx on book (title, id)
    addIndex('book', { name: 'book_title_id_idx', fields: ['title', 'id'] }),
    // Alter field user on customer
    alterField('customer', 'user', {
      kind: 'belongsTo',
      nullable: true,
      index: true,
      target: 'user',
      onDelete: 'setNull',
    }),
    // Alter field customer on order
    alterField('order', 'customer', {
      kind: 'belongsTo',
      index: true,
      target: 'customer',
      onDelete: 'protect',
    }),
    // Create index order_status_id_idx on order (status, id)
    addIndex('order', { name: 'order_status_id_idx', fields: ['status', 'id'] }),
    // Create index order_total_id_idx on order (total, id)
    addIndex('order', { name: 'order_total_id_idx', fields: ['total', 'id'] }),
    // Create index order_created_at_id_idx on order (createdAt, id)
    addIndex('order', { name: 'order_created_at_id_idx', fields: ['createdAt', 'id'] }),
    // Alter field book on orderLine
    alterField('orderLine', 'book', { kind: 'belongsTo', index: true, target: 'book', onDelete: 'protect' }),
    // Alter field book on review
    alterField('review', 'book', { kind: 'belongsTo', index: true, target: 'book', onDelete: 'cascade' }),
    // Alter field customer on review
    alterField('review', 'customer', {
      kind: 'belongsTo',
      index: true,
      target: 'customer',
      onDelete: 'cascade',
    }),
    // Create index review_rating_id_idx on review (rating, id)
    addIndex('review', { name: 'review_rating_id_idx', fields: ['rating', 'id'] }),
  ],
});
