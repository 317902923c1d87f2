// The storefront-list bench's page: 20 books with their authors, listed by the operation layer
// (the same list the REST resource answers) and rendered through basalt/views with a layout,
// a row component, a link and a formatted price per row. Served for the load generator.
import { createApp, defineApp } from 'basalt';
import { t } from 'basalt/http';
import { anonymous, defineCollection, operations } from 'basalt/ops';
import { type Child, type Html, page, type ViewContext } from 'basalt/views';
import { Author, Book } from '../db/schema.js';
import { DATABASE_URL, prepareRestBench } from '../rest/setup.js';

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

const list = page(
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

await prepareRestBench();
const app = await createApp(defineApp({ name: 'bench-storefront', models: [Author, Book], routes: [list] }), {
  envFile: false,
  env: {
    NODE_ENV: 'production',
    SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
    LOG_LEVEL: 'silent',
    DATABASE_URL,
  },
});
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`storefront page listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
