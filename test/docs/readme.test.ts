import { defineModel, f, type Infer } from 'basalt/db';
import { createTestDatabase } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

// The models and the query of the README's tour, run for real.
const Author = defineModel('author', {
  name: f.string({ max: 120 }),
  books: f.hasMany('book', { foreignKey: 'author' }),
});
const Tag = defineModel('tag', { name: f.slug({ max: 40, unique: true }) });
const Book = defineModel(
  'book',
  {
    title: f.string({ max: 200 }),
    price: f.decimal({ precision: 8, scale: 2 }),
    author: f.belongsTo(() => Author, { onDelete: 'cascade', related: 'books' }),
    tags: f.manyToMany(() => Tag),
  },
  { ordering: ['title'], timestamps: true },
);
type Book = Infer<typeof Book>;

describe('README tour', () => {
  it('runs the query of the models section', async () => {
    const { db, close } = await createTestDatabase({ models: [Author, Tag, Book] });
    const leGuin = await db.create(Author, { name: 'Ursula K. Le Guin' });
    const other = await db.create(Author, { name: 'Someone Else' });
    await db.create(Book, { title: 'Earthsea', price: '9.99', authorId: leGuin.id });
    await db.create(Book, { title: 'Expensive', price: '25.00', authorId: leGuin.id });
    await db.create(Book, { title: 'Other', price: '5.00', authorId: other.id });
    const cheap = await db
      .query(Book)
      .where({ price: { lt: '20' }, author: { name: { icontains: 'le guin' } } })
      .orderBy('-createdAt')
      .include('author', 'tags')
      .limit(20)
      .all();
    const titles: Book['title'][] = cheap.map((b) => b.title);
    expect(titles).toEqual(['Earthsea']);
    expect(cheap[0]!.author.name).toBe('Ursula K. Le Guin');
    expect(cheap[0]!.tags).toEqual([]);
    await close();
  });
});
