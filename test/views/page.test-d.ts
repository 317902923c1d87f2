import { type BasaltUser, defineApp, defineDependency, respond, t } from 'basalt';
import { defineModel, f } from 'basalt/db';
import type { TestClient } from 'basalt/testing';
import {
  type FormState,
  type Html,
  modelForm,
  type PageResult,
  page,
  type Redirect,
  redirect,
  trustedHtml,
  type ViewContext,
} from 'basalt/views';
import { describe, expectTypeOf, it } from 'vitest';

const Book = defineModel('book', {
  title: f.string({ max: 100 }),
  pages: f.integer(),
  note: f.text({ optional: true }),
});

describe('page types', () => {
  it('types params, query, dependencies and the view as endpoints do', () => {
    const paging = defineDependency({
      query: t.Object({ page: t.Optional(t.Integer()) }),
      resolve: ({ query }) => ({ offset: (query.page ?? 0) * 10 }),
    });
    page(
      '/authors/:id',
      {
        params: t.Object({ id: t.Integer() }),
        query: t.Object({ q: t.Optional(t.String()) }),
        use: { paging },
      },
      (ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<{ id: number }>();
        expectTypeOf(ctx.query).toEqualTypeOf<{ q?: string }>();
        expectTypeOf(ctx.paging).toEqualTypeOf<{ offset: number }>();
        expectTypeOf(ctx.view).toEqualTypeOf<ViewContext>();
        expectTypeOf(ctx.form).toBeUndefined();
        return trustedHtml('<p></p>');
      },
    );
    page('/me', { auth: 'required' }, (ctx) => {
      expectTypeOf(ctx.user).toEqualTypeOf<BasaltUser>();
      return trustedHtml('');
    });
  });

  it('types the form from its schema, or from the model of a model form', () => {
    page(
      '/notes',
      { method: 'POST', form: t.Object({ title: t.String(), stars: t.Integer() }) },
      ({ form }) => {
        expectTypeOf(form).toEqualTypeOf<FormState<{ title: string; stars: number }>>();
        if (form.valid) expectTypeOf(form.data).toEqualTypeOf<{ title: string; stars: number }>();
        else expectTypeOf(form.errors).toEqualTypeOf<Readonly<Record<string, string>>>();
        return redirect('/');
      },
    );
    page('/books', { method: 'POST', form: modelForm(Book) }, ({ form }) => {
      if (form.valid) {
        expectTypeOf(form.data.title).toBeString();
        expectTypeOf(form.data.pages).toBeNumber();
      }
      return redirect('/');
    });
  });

  it('accepts markup, markup with a status or a redirect, and nothing else', () => {
    expectTypeOf(redirect('/')).toEqualTypeOf<Redirect>();
    expectTypeOf(respond(400, trustedHtml(''))).toExtend<PageResult>();
    expectTypeOf<Html>().toExtend<PageResult>();
    // @ts-expect-error a page answers markup, not a plain string (which would go out unescaped)
    page('/raw', {}, () => '<p>hi</p>');
    // @ts-expect-error nor JSON
    page('/json', {}, () => ({ ok: true }));
  });

  it('makes pages routes of the typed test client under their own method', () => {
    const app = defineApp({
      name: 'site',
      routes: [
        page('/go', { query: t.Object({ next: t.String() }) }, ({ query }) => redirect(query.next)),
        page('/notes', { method: 'POST' }, () => redirect('/')),
      ],
    });
    type Client = TestClient<typeof app.routes>;
    expectTypeOf<Parameters<Client['get']>[0]>().toEqualTypeOf<'/go'>();
    expectTypeOf<Parameters<Client['post']>[0]>().toEqualTypeOf<'/notes'>();
  });
});
