import type { Infer } from 'basalt/db';
import { t } from 'basalt/http';
import { resource } from 'basalt/rest';
import { describe, expectTypeOf, it } from 'vitest';
import { Book, Order } from './shop.js';

describe('resource types', () => {
  it('checks field names against the model', () => {
    resource(Book, { path: '/b', fields: ['title', 'price', 'authorId'], search: ['title'] });
    // @ts-expect-error not a field of Book
    resource(Book, { path: '/b', fields: ['title', 'nope'] });
    // @ts-expect-error search takes field names
    resource(Book, { path: '/b', search: ['nope'] });
  });

  it('types computed fields, hooks and scope with the model row', () => {
    resource(Book, {
      path: '/b',
      computed: {
        label: {
          schema: t.String(),
          get: (row) => {
            expectTypeOf(row.price).toEqualTypeOf<string>();
            return row.title;
          },
        },
      },
      hooks: {
        afterUpdate({ object, previous }) {
          expectTypeOf(object).toEqualTypeOf<Infer<typeof Book>>();
          expectTypeOf(previous.title).toEqualTypeOf<string>();
        },
      },
      scope: (query) => query.where({ price: { lt: '10' } }),
    });
  });

  it('gives detail actions the typed object and every action its typed body', () => {
    resource(Order, { path: '/o' })
      .action('rename', { body: t.Object({ note: t.String() }) }, ({ object, body }) => {
        expectTypeOf(object).toEqualTypeOf<Infer<typeof Order>>();
        expectTypeOf(body).toEqualTypeOf<{ note: string }>();
        return undefined;
      })
      .action(
        'count',
        { method: 'GET', detail: false, response: t.Object({ n: t.Integer() }) },
        (context) => {
          expectTypeOf(context).not.toHaveProperty('object');
          return { n: 1 };
        },
      )
      .action('bad', { method: 'GET', detail: false, response: t.Object({ n: t.Integer() }) }, () => ({
        // @ts-expect-error the response schema says n is a number
        n: 'one',
      }));
  });
});
