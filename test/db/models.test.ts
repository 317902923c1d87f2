import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { Book, Publisher } from './fixtures/models.js';

describe('model metadata', () => {
  it('describes the model as plain serialisable data', () => {
    const meta = Book.meta;
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
    expect(meta).toMatchObject({
      name: 'book',
      table: 'book',
      label: 'Book',
      pluralLabel: 'Books',
      primaryKey: { name: 'id', column: 'id', type: 'integer' },
      ordering: ['-publishedOn', 'title'],
      timestamps: true,
      checks: [{ name: 'book_price_positive', sql: 'price >= 0' }],
      indexes: [
        {
          name: 'book_author_id_published_on_idx',
          fields: ['author', 'publishedOn'],
          columns: ['author_id', 'published_on'],
          unique: false,
        },
      ],
    });
    expect(Object.keys(meta.fields)).toEqual([
      'id',
      'title',
      'isbn',
      'price',
      'status',
      'publishedOn',
      'pages',
      'inStock',
      'author',
      'tags',
      'reviews',
      'meta',
      'createdAt',
      'updatedAt',
    ]);
  });

  it('describes each field', () => {
    const { fields } = Book.meta;
    expect(fields.price).toMatchObject({
      kind: 'decimal',
      column: 'price',
      precision: 8,
      scale: 2,
      nullable: false,
    });
    expect(fields.publishedOn).toMatchObject({
      kind: 'date',
      column: 'published_on',
      nullable: true,
      label: 'Published on',
    });
    expect(fields.status).toMatchObject({
      default: { kind: 'value', value: 'draft' },
      choices: [
        { value: 'draft', label: 'Draft' },
        { value: 'published', label: 'Published' },
      ],
    });
    expect(fields.isbn).toMatchObject({ unique: true, max: 13 });
    expect(fields.author).toMatchObject({
      kind: 'belongsTo',
      attribute: 'authorId',
      column: 'author_id',
      relation: { target: 'author', onDelete: 'cascade', related: 'books', foreignKey: null, through: null },
    });
    expect(fields.tags?.relation?.through).toEqual({
      model: null,
      table: 'book_tags',
      sourceColumn: 'book_id',
      targetColumn: 'tag_id',
    });
    expect(fields.reviews).toMatchObject({
      kind: 'hasMany',
      column: null,
      relation: { target: 'review', foreignKey: 'book' },
    });
    expect(fields.createdAt).toMatchObject({ kind: 'datetime', auto: 'create', readOnly: true });
    expect(Publisher.meta.fields.id).toMatchObject({
      kind: 'uuid',
      primaryKey: true,
      autoIncrement: false,
      default: { kind: 'function' },
    });
    expect(Publisher.meta.fields.parent?.relation?.target).toBe('publisher');
  });

  it('derives read, create and update JSON schemas', () => {
    const { read, create, update } = Book.schemas;
    expect([read.$id, create.$id, update.$id]).toEqual(['Book', 'BookCreate', 'BookUpdate']);
    expect(create.required?.sort()).toEqual(['authorId', 'isbn', 'price', 'title']);
    expect(update.required ?? []).toEqual([]);
    expect(Object.keys(create.properties)).not.toContain('createdAt');
    expect(Value.Check(create, { title: 'Dune', isbn: '1', price: '9.90', authorId: 1, tags: [1, 2] })).toBe(
      true,
    );
    expect(Value.Check(create, { title: 'Dune', isbn: '1', price: 9.9, authorId: 1 })).toBe(false);
    expect(read.properties.publishedOn).toBeDefined();
  });
});
