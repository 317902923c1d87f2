// The storefront-list bench's page: 20 books with their authors, listed by the operation layer
// (the same list the REST resource answers) and rendered through basalt/views with a layout,
// a row component, a link and a formatted price per row. storefront-page.tsx serves it for the
// load generator, storefront-ab.tsx times it against the JSON list in one process.
import { t } from 'basalt/http';
import { anonymous, defineCollection, operations } from 'basalt/ops';
import { type Child, type Html, page, type ViewContext } from 'basalt/views';
import { Book } from '../db/schema.js';

const books = defineCollection(Book, {
  include: ['author'],
  permissions: { read: 'anyone' },
  pagination: { style: 'page', pageSize: 20, maxPageSize: 100 },
});

interface Row {
  id: number;
  title: string;
  price: string;
  author?: { id: number; name: string } | null;
}

function Layout(props: { view: ViewContext; title: string; children?: Child }): Html {
  return (
    <html lang={props.view.locale}>
      <head>
        <meta charset="utf-8" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={props.view.asset('shop.css')} />
      </head>
      <body>
        <header>
          <a href="/books">Catalogue</a> <a href="/cart">Cart</a>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

function BookRow(props: { view: ViewContext; book: Row }): Html {
  const { book } = props;
  return (
    <li>
      <a href={`/books/${book.id}`}>{book.title}</a> <span class="author">by {book.author?.name ?? ''}</span>{' '}
      <span class="price">{props.view.i18n.currency(Number(book.price), 'EUR')}</span>
    </li>
  );
}

/** `GET /books?include=author`: the list page. */
export const listPage = page(
  '/books',
  {
    query: t.Object({
      include: t.Optional(t.String({ maxLength: 50 })),
      page: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
    }),
  },
  async ({ db, view, query }) => {
    const listed = await operations(db).list(anonymous, books, { include: 'author', page: query.page ?? 1 });
    const rows = listed.results as unknown as Row[];
    return (
      <Layout view={view} title="Catalogue">
        <p class="count">{listed.count} books</p>
        <ul class="books">
          {rows.map((book) => (
            <BookRow view={view} book={book} />
          ))}
        </ul>
        {listed.next ? (
          <a rel="next" href={`/books?page=${listed.next.page}`}>
            Next page
          </a>
        ) : null}
      </Layout>
    );
  },
);
