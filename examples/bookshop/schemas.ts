import { t } from 'basalt';

export const Author = t.Object({ id: t.Integer(), name: t.String() }, { $id: 'Author' });

export const Book = t.Object(
  {
    id: t.Integer(),
    title: t.String({ maxLength: 200 }),
    isbn: t.String({ minLength: 10, maxLength: 13 }),
    price: t.String({ pattern: '^\\d+\\.\\d{2}$', description: 'Price in EUR, exact decimal' }),
    author: Author,
  },
  { $id: 'Book' },
);

export const BookPage = t.Object(
  { items: t.Array(Book), total: t.Integer(), page: t.Integer(), pageSize: t.Integer() },
  { $id: 'BookPage' },
);

export const Quote = t.Object(
  { bookId: t.Integer(), price: t.String(), currency: t.String() },
  { $id: 'Quote' },
);
