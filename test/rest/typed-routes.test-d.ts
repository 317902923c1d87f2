import type { BasaltUser } from 'basalt/http';
import {
  type Resource,
  type ResourceCreate,
  type ResourceHooks,
  type ResourcePatch,
  type ResourceRead,
  resource,
} from 'basalt/rest';
import type { TestClient, TestResponse } from 'basalt/testing';
import { describe, expectTypeOf, it } from 'vitest';
import type bookshop from '../../examples/bookshop/app.js';
import type { Book as BookModel } from '../../examples/bookshop/models.js';
import { Author, type Book, type books, type coupons, type orders, type shop } from './shop.js';

type Shop = TestClient<typeof shop.routes>;
/** The options `books` was declared with, read back from its type. */
type BooksOptions = typeof books extends Resource<typeof Book, infer _R, infer O> ? O : never;
type Bookshop = TestClient<typeof bookshop.routes>;
declare const client: Shop;
declare const bookshopClient: Bookshop;

/** The success body a typed call answers with. */
type BodyOf<T> = T extends Promise<TestResponse<infer B>> ? B : never;

describe('resource endpoint types', () => {
  it('lists every standard route and custom action with its method and path, in order', () => {
    expectTypeOf<typeof books.routes>().toEqualTypeOf<typeof books.routes>();
    type Paths<R extends readonly { method: string; path: string }[]> = {
      [K in keyof R]: `${R[K]['method']} ${R[K]['path']}`;
    };
    expectTypeOf<Paths<typeof books.routes>>().toEqualTypeOf<
      readonly [
        'GET /api/books',
        'GET /api/books/:id',
        'POST /api/books',
        'PUT /api/books/:id',
        'PATCH /api/books/:id',
        'DELETE /api/books/:id',
      ]
    >();
    // `actions` narrows the standard routes; actions follow, detail ones under `/:id`.
    expectTypeOf<Paths<typeof coupons.routes>>().toEqualTypeOf<
      readonly ['GET /api/coupons', 'GET /api/coupons/:id', 'POST /api/coupons']
    >();
    expectTypeOf<Paths<typeof orders.routes>>().toEqualTypeOf<
      readonly [
        'GET /api/orders',
        'GET /api/orders/:id',
        'POST /api/orders',
        'PUT /api/orders/:id',
        'PATCH /api/orders/:id',
        'DELETE /api/orders/:id',
        'POST /api/orders/:id/cancel',
        'GET /api/orders/summary',
      ]
    >();
  });

  it('gives retrieve the read type: fields in JSON, computed ones, optional includes and rule-guarded fields', () => {
    type Read = BodyOf<ReturnType<typeof client.get<'/api/books/:id'>>>;
    expectTypeOf<Read['id']>().toEqualTypeOf<number>();
    expectTypeOf<Read['title']>().toEqualTypeOf<string>();
    expectTypeOf<Read['publishedOn']>().toEqualTypeOf<string | null>();
    // Dates travel as ISO strings.
    expectTypeOf<Read['createdAt']>().toEqualTypeOf<string>();
    expectTypeOf<Read['priceWithTax']>().toEqualTypeOf<string>();
    // `cost` has a read rule: some users do not see it.
    expectTypeOf<Read['cost']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Read['author']>().toEqualTypeOf<
      { id: number; name: string; bio: string | null } | undefined
    >();
    expectTypeOf<Read['tags']>().toEqualTypeOf<{ id: number; name: string }[] | undefined>();
    expectTypeOf<Read>().toEqualTypeOf<ResourceRead<typeof Book, BooksOptions>>();
  });

  it('gives lists the page envelope of their pagination style', () => {
    type BookPage = BodyOf<ReturnType<typeof client.get<'/api/books'>>>;
    expectTypeOf<BookPage['count']>().toEqualTypeOf<number>();
    expectTypeOf<BookPage['next']>().toEqualTypeOf<string | null>();
    expectTypeOf<BookPage['results'][number]['title']>().toEqualTypeOf<string>();
    type AuthorPage = BodyOf<ReturnType<typeof client.get<'/api/authors'>>>;
    expectTypeOf<AuthorPage>().not.toHaveProperty('count');
    // `include: { books: { fields } , 'books.tags': {} }`: the chosen fields, id, and the nested include.
    expectTypeOf<NonNullable<AuthorPage['results'][number]['books']>[number]>().toEqualTypeOf<{
      id: number;
      title: string;
      price: string;
      tags?: { id: number; name: string }[];
    }>();
    type CouponList = BodyOf<ReturnType<typeof client.get<'/api/coupons'>>>;
    expectTypeOf<CouponList>().toEqualTypeOf<{ id: string; code: string; percent: number }[]>();
  });

  it('types create, PUT and PATCH bodies from the writable fields', () => {
    type CreateInput = NonNullable<Parameters<typeof client.post<'/api/books'>>[1]>['body'];
    expectTypeOf<NonNullable<CreateInput>['title']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<CreateInput>['tags']>().toEqualTypeOf<number[] | undefined>();
    expectTypeOf<NonNullable<CreateInput>>().toEqualTypeOf<ResourceCreate<typeof Book>>();
    type PatchInput = NonNullable<Parameters<typeof client.patch<'/api/books/:id'>>[1]>['body'];
    expectTypeOf<NonNullable<PatchInput>>().toEqualTypeOf<ResourcePatch<typeof Book>>();
    // `writable: ['note']` and nothing else.
    type OrderCreate = NonNullable<NonNullable<Parameters<typeof client.post<'/api/orders'>>[1]>['body']>;
    expectTypeOf<OrderCreate>().toEqualTypeOf<{ note?: string }>();

    client.post('/api/books', {
      // @ts-expect-error price is a decimal string
      body: { title: 'Dune', isbn: '1', price: 9.99, authorId: 1 },
    });
    // @ts-expect-error authorId is required
    client.post('/api/books', { body: { title: 'Dune', isbn: '1', price: '9.99' } });
    client.patch('/api/books/:id', { params: { id: 1 }, body: { price: '1.00' } });
  });

  it('types path params by the primary key and refuses unknown paths', () => {
    client.get('/api/books/:id', { params: { id: 1 } });
    client.get('/api/coupons/:id', { params: { id: '6f1c8a47-7a05-4f53-a8f2-9f58d24c6a6e' } });
    // @ts-expect-error an integer key is not a string
    client.get('/api/books/:id', { params: { id: 'one' } });
    // @ts-expect-error a UUID key is a string
    client.get('/api/coupons/:id', { params: { id: 1 } });
    // @ts-expect-error no such route
    client.get('/api/bookz/:id', { params: { id: 1 } });
    // @ts-expect-error coupons declare no PATCH
    client.patch('/api/coupons/:id', { params: { id: 'x' }, body: {} });
    // @ts-expect-error summary is a GET
    client.post('/api/orders/summary', {});
  });

  it('types custom actions like endpoints', () => {
    type Cancelled = BodyOf<ReturnType<typeof client.post<'/api/orders/:id/cancel'>>>;
    expectTypeOf<Cancelled>().toEqualTypeOf<{ id: number; status: string }>();
    type Summary = BodyOf<ReturnType<typeof client.get<'/api/orders/summary'>>>;
    expectTypeOf<Summary>().toEqualTypeOf<{ placed: number }>();
  });

  it('types the list query: filters, search, ordering and pagination', () => {
    client.get('/api/books', { query: { 'price[lt]': '20', search: 'dune', ordering: '-price', page: 2 } });
    // @ts-expect-error page is a number
    client.get('/api/books', { query: { page: [1] } });
  });
});

describe('the bookshop through the typed test client', () => {
  it('knows /api/books/:id and answers with the Book read type', () => {
    type Read = BodyOf<ReturnType<typeof bookshopClient.get<'/api/books/:id'>>>;
    expectTypeOf<Read['title']>().toEqualTypeOf<string>();
    expectTypeOf<Read['price']>().toEqualTypeOf<string>();
    expectTypeOf<Read['authorId']>().toEqualTypeOf<number>();
    expectTypeOf<Read['author']>().toEqualTypeOf<
      { id: number; name: string; bio: string | null } | undefined
    >();
    expectTypeOf<Read>().toMatchTypeOf<Pick<BookModel, 'id' | 'title' | 'isbn' | 'price'>>();
  });

  it('gives the cursor-paginated order list its envelope and the reviews create body', () => {
    type Orders = BodyOf<ReturnType<typeof bookshopClient.get<'/api/orders'>>>;
    expectTypeOf<Orders>().not.toHaveProperty('count');
    expectTypeOf<Orders['results'][number]['status']>().toEqualTypeOf<
      'placed' | 'paid' | 'shipped' | 'cancelled'
    >();
    type ReviewBody = NonNullable<
      NonNullable<Parameters<typeof bookshopClient.post<'/api/reviews'>>[1]>['body']
    >;
    // customerId is read-only on this resource: the hook sets it.
    expectTypeOf<ReviewBody>().not.toHaveProperty('customerId');
    expectTypeOf<ReviewBody['rating']>().toEqualTypeOf<number>();
  });
});

describe('resource options', () => {
  it('refuses an option resource() does not know', () => {
    // @ts-expect-error misspelt option
    resource(Author, { path: '/a', serach: ['name'] });
    resource(Author, { path: '/a', search: ['name'] });
  });
});

describe('hook data and user ids', () => {
  it('types hook data from the model', () => {
    type Data = Parameters<NonNullable<ResourceHooks<typeof Author>['beforeCreate']>>[0]['data'];
    expectTypeOf<Data>().toEqualTypeOf<{ name?: string; bio?: string | null }>();
    type UpdateData = Parameters<NonNullable<ResourceHooks<typeof Book>['beforeUpdate']>>[0]['data'];
    expectTypeOf<UpdateData['price']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<UpdateData['authorId']>().toEqualTypeOf<number | undefined>();
  });

  it('types user ids with the user model key', () => {
    expectTypeOf<BasaltUser['id']>().toEqualTypeOf<number>();
  });
});
