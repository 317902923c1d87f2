import { type BasaltUser, defineApp, defineDependency, get, post, respond, t } from 'basalt';
import type { TestClient } from 'basalt/testing';
import { describe, expectTypeOf, it } from 'vitest';

describe('endpoint types', () => {
  it('infers params, query, body and dependencies from the schemas', () => {
    const page = defineDependency({
      query: t.Object({ page: t.Integer() }),
      resolve: ({ query }) => ({ offset: query.page * 10 }),
    });
    post(
      '/authors/:authorId/books',
      {
        params: t.Object({ authorId: t.Integer() }),
        query: t.Object({ draft: t.Optional(t.Boolean()) }),
        body: t.Object({ title: t.String(), price: t.Optional(t.Number()) }),
        use: { page },
        response: t.Object({ id: t.Integer() }),
      },
      (ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<{ authorId: number }>();
        expectTypeOf(ctx.query).toEqualTypeOf<{ draft?: boolean }>();
        expectTypeOf(ctx.body).toEqualTypeOf<{ title: string; price?: number }>();
        expectTypeOf(ctx.page).toEqualTypeOf<{ offset: number }>();
        expectTypeOf(ctx.requestId).toBeString();
        return { id: 1 };
      },
    );
  });

  it('types path parameters from the path when no schema is given', () => {
    get('/shelves/:shelf/books/:isbn', {}, (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ shelf: string; isbn: string }>();
      return null;
    });
  });

  it('checks the returned value against the response schema', () => {
    get('/ok', { response: t.Object({ n: t.Integer() }) }, () => ({ n: 1 }));
    // @ts-expect-error a string is not the declared integer
    get('/bad', { response: t.Object({ n: t.Integer() }) }, () => ({ n: 'one' }));
    get(
      '/status',
      { response: { 200: t.Object({ n: t.Integer() }), 202: t.Object({ queued: t.Boolean() }) } },
      () => respond(202, { queued: true }),
    );
    // @ts-expect-error 418 is not a declared status
    get('/teapot', { response: { 200: t.Object({ n: t.Integer() }) } }, () => respond(418, { n: 1 }));
  });

  it('types the test client by the app routes', () => {
    const routes = [
      get(
        '/books/:id',
        { params: t.Object({ id: t.Integer() }), response: t.Object({ title: t.String() }) },
        () => ({ title: 'x' }),
      ),
    ] as const;
    const app = defineApp({ routes });
    type Client = TestClient<typeof app.routes>;
    expectTypeOf<Parameters<Client['get']>[0]>().toEqualTypeOf<'/books/:id'>();
    expectTypeOf<NonNullable<Parameters<Client['get']>[1]>['params']>().toEqualTypeOf<
      { id: number } | undefined
    >();
  });

  it('types user as non-null where auth is required or a permission is declared', () => {
    get('/open', {}, (ctx) => {
      expectTypeOf(ctx.user).toEqualTypeOf<BasaltUser | null>();
    });
    get('/optional', { auth: 'optional' }, (ctx) => {
      expectTypeOf(ctx.user).toEqualTypeOf<BasaltUser | null>();
    });
    get('/required', { auth: 'required' }, (ctx) => {
      expectTypeOf(ctx.user).toEqualTypeOf<BasaltUser>();
      expectTypeOf(ctx.user.id).toEqualTypeOf<number>();
    });
    post('/guarded', { permissions: ['add_book'] }, (ctx) => {
      expectTypeOf(ctx.user).toEqualTypeOf<BasaltUser>();
    });
  });
});
