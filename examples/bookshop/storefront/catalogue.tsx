import { t } from 'basalt';
import { type RequestContext, respond } from 'basalt/http';
import { operations } from 'basalt/ops';
import { requestActor } from 'basalt/rest';
import { CsrfField, flash, page, redirect } from 'basalt/views';
import { bookCollection } from '../api.js';
import { Author, Review } from '../models.js';
import { Id } from '../schemas.js';
import { type Cart, Layout, money } from './layout.js';

/** The books a catalogue page shows. */
export const PAGE_SIZE = 20;

/** The visitor's cart, kept in the session (signed in or not). */
export function cartOf(ctx: RequestContext): Cart {
  return ctx.session.get<Cart>('cart') ?? {};
}

interface ListedBook {
  id: number;
  title: string;
  price: string;
  author?: { id: number; name: string };
}

/**
 * The catalogue: search, a filter by author and by highest price, page numbers. The list is
 * the operation layer's, so it is exactly `GET /api/books` (same filters, search, policy).
 */
export const cataloguePage = page(
  '/books',
  {
    query: t.Object({
      search: t.Optional(t.String({ maxLength: 100 })),
      author: t.Optional(t.Union([Id, t.Literal('')])),
      maxPrice: t.Optional(t.Union([t.String({ pattern: '^\\d{1,6}(\\.\\d{1,2})?$' }), t.Literal('')])),
      page: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
    }),
  },
  async (ctx) => {
    const { query, view, db } = ctx;
    const params: Record<string, unknown> = { include: 'author', pageSize: PAGE_SIZE, page: query.page ?? 1 };
    if (query.search) params.search = query.search;
    if (query.author) params.author = query.author;
    if (query.maxPrice) params['price[lte]'] = query.maxPrice;
    const [listed, authors] = await Promise.all([
      operations(db).list(requestActor(ctx), bookCollection, params),
      db.query(Author).orderBy('name').limit(200).all(),
    ]);
    const books = listed.results as unknown as ListedBook[];
    const i18n = view.i18n;
    const link = (next: Record<string, string>) => {
      const search = new URLSearchParams();
      if (query.search) search.set('search', query.search);
      if (query.author) search.set('author', String(query.author));
      if (query.maxPrice) search.set('maxPrice', query.maxPrice);
      for (const [key, value] of Object.entries(next)) search.set(key, value);
      return `/books?${search}`;
    };
    return (
      <Layout view={view} title={i18n.t('shop.catalogue.title')} cart={cartOf(ctx)}>
        <form method="get" action="/books" class="filters">
          <label>
            {i18n.t('shop.catalogue.search')} <input type="search" name="search" value={query.search ?? ''} />
          </label>
          <label>
            {i18n.t('shop.catalogue.author')}{' '}
            <select name="author">
              <option value="">{i18n.t('shop.catalogue.anyAuthor')}</option>
              {authors.map((a) => (
                <option value={String(a.id)} selected={a.id === query.author}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {i18n.t('shop.catalogue.maxPrice')}{' '}
            <input type="number" name="maxPrice" step="0.01" min="0" value={query.maxPrice ?? ''} />
          </label>
          <button type="submit">{i18n.t('shop.catalogue.filter')}</button>
        </form>
        {listed.count === undefined ? null : (
          <p class="count">{i18n.t('shop.catalogue.count', { count: listed.count })}</p>
        )}
        <ul class="books">
          {books.map((book) => (
            <li>
              <a href={`/books/${book.id}`} class="book-title">
                {book.title}
              </a>{' '}
              {book.author ? (
                <span class="author">{i18n.t('shop.catalogue.by', { author: book.author.name })}</span>
              ) : null}{' '}
              <span class="price">{money(view, book.price)}</span>
            </li>
          ))}
        </ul>
        <nav class="pages">
          {listed.previous ? (
            <a rel="prev" href={link(listed.previous)}>
              {i18n.t('shop.catalogue.previous')}
            </a>
          ) : null}{' '}
          <span>{i18n.t('shop.catalogue.page', { page: query.page ?? 1 })}</span>{' '}
          {listed.next ? (
            <a rel="next" href={link(listed.next)}>
              {i18n.t('shop.catalogue.next')}
            </a>
          ) : null}
        </nav>
      </Layout>
    );
  },
);

interface ShownBook extends ListedBook {
  publishedOn: string | null;
  tags?: { name: string }[];
}

/** A book: its details, its reviews, and the form that puts it in the cart. */
export const bookPage = page('/books/:id', { params: t.Object({ id: Id }) }, async (ctx) => {
  const { params, view, db } = ctx;
  const book = (await operations(db).get(requestActor(ctx), bookCollection, params.id, {
    include: 'author,tags',
  })) as unknown as ShownBook;
  const reviews = await db.query(Review).where({ bookId: params.id }).include('customer').limit(50).all();
  const i18n = view.i18n;
  return (
    <Layout view={view} title={book.title} cart={cartOf(ctx)}>
      {book.author ? <p class="author">{i18n.t('shop.catalogue.by', { author: book.author.name })}</p> : null}
      <dl>
        <dt>{i18n.t('shop.book.price')}</dt>
        <dd class="price">{money(view, book.price)}</dd>
        {book.publishedOn ? (
          <>
            <dt>{i18n.t('shop.book.published')}</dt>
            <dd>{i18n.date(book.publishedOn, { dateStyle: 'long', timeZone: 'UTC' })}</dd>
          </>
        ) : null}
        {book.tags && book.tags.length > 0 ? (
          <>
            <dt>{i18n.t('shop.book.tags')}</dt>
            <dd>{i18n.list(book.tags.map((tag) => tag.name))}</dd>
          </>
        ) : null}
      </dl>
      <form method="post" action="/cart/add">
        <CsrfField view={view} />
        <input type="hidden" name="bookId" value={String(book.id)} />
        <label>
          {i18n.t('shop.book.quantity')} <input type="number" name="quantity" value="1" min="1" max="99" />
        </label>{' '}
        <button type="submit">{i18n.t('shop.book.addToCart')}</button>
      </form>
      <h2>{i18n.t('shop.book.reviews')}</h2>
      {reviews.length === 0 ? <p>{i18n.t('shop.book.noReviews')}</p> : null}
      {reviews.map((review) => (
        <blockquote class="review">
          <p>{review.body}</p>
          <footer>
            {i18n.t('shop.book.review', {
              rating: review.rating,
              name: (review as { customer?: { name: string } }).customer?.name ?? '',
            })}
          </footer>
        </blockquote>
      ))}
    </Layout>
  );
});

/** Puts a book in the cart (no JavaScript: a form post, then back to the cart). */
export const addToCart = page(
  '/cart/add',
  {
    method: 'POST',
    form: t.Object({ bookId: Id, quantity: t.Integer({ minimum: 1, maximum: 99 }) }),
  },
  async (ctx) => {
    const { form, db } = ctx;
    if (!form.valid) return respond(400, <p class="error">{Object.values(form.errors).join(' ')}</p>);
    const book = await operations(db).get(requestActor(ctx), bookCollection, form.data.bookId);
    const cart = { ...cartOf(ctx) };
    cart[String(book.id)] = Math.min(99, (cart[String(book.id)] ?? 0) + form.data.quantity);
    await ctx.session.set('cart', cart);
    await flash(ctx, ctx.view.i18n.t('shop.cart.added', { title: String(book.title) }), 'success');
    return redirect('/cart');
  },
);

/** The site's front door: the catalogue. */
export const home = page('/', {}, () => redirect('/books'));
