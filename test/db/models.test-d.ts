import { describe, expectTypeOf, it } from 'vitest';
import {
  type CreateInput,
  defineModel,
  f,
  type Infer,
  type Relations,
  type UpdateInput,
} from '../../src/db/index.js';
import type { Author, Book, Publisher, Review, Tag } from './fixtures/models.js';
import { Author as AuthorModel } from './fixtures/models.js';

type Models = typeof Author | typeof Book | typeof Review | typeof Tag | typeof Publisher;

describe('model types', () => {
  it('infers the row type', () => {
    expectTypeOf<Infer<typeof Book>>().toEqualTypeOf<{
      id: number;
      title: string;
      isbn: string;
      price: string;
      status: 'draft' | 'published';
      publishedOn: string | null;
      pages: number | null;
      inStock: boolean;
      authorId: number;
      meta: { edition: number } | null;
      createdAt: Date;
      updatedAt: Date;
    }>();
    expectTypeOf<Infer<typeof Publisher>['id']>().toEqualTypeOf<string>();
    expectTypeOf<Infer<typeof Publisher>['parentId']>().toEqualTypeOf<string | null>();
  });

  it('separates required, optional and defaulted create input', () => {
    type C = CreateInput<typeof Book>;
    expectTypeOf<C['title']>().toEqualTypeOf<string>();
    expectTypeOf<C['authorId']>().toEqualTypeOf<number>();
    expectTypeOf<C>().toHaveProperty('status');
    expectTypeOf<{ title: string; isbn: string; price: string; authorId: number }>().toMatchTypeOf<C>();
    expectTypeOf<{ title: string }>().not.toMatchTypeOf<C>();
    expectTypeOf<C['tags']>().toEqualTypeOf<number[] | undefined>();
    expectTypeOf<C['status']>().toEqualTypeOf<'draft' | 'published' | undefined>();
  });

  it('makes every update field optional', () => {
    expectTypeOf<{}>().toMatchTypeOf<UpdateInput<typeof Book>>();
    expectTypeOf<UpdateInput<typeof Book>['price']>().toEqualTypeOf<string | undefined>();
  });

  it('types relations, resolving names against the model list', () => {
    type R = Relations<typeof Book, Models>;
    expectTypeOf<R['author']>().toEqualTypeOf<Infer<typeof Author>>();
    expectTypeOf<R['tags']>().toEqualTypeOf<Infer<typeof Tag>[]>();
    expectTypeOf<R['reviews']>().toEqualTypeOf<Infer<typeof Review>[]>();
    expectTypeOf<Relations<typeof Author, Models>['books']>().toEqualTypeOf<Infer<typeof Book>[]>();
  });
});

describe('hook types', () => {
  it('types the record a hook receives from the fields', () => {
    defineModel(
      'post',
      { title: f.string(), views: f.integer({ default: 0 }), author: f.belongsTo(() => AuthorModel) },
      {
        hooks: {
          beforeSave({ record, previous }) {
            expectTypeOf(record.title).toEqualTypeOf<string>();
            expectTypeOf(record.views).toEqualTypeOf<number>();
            expectTypeOf(record.authorId).toEqualTypeOf<number>();
            expectTypeOf(record.id).toEqualTypeOf<number | string | undefined>();
            expectTypeOf(previous).toEqualTypeOf<typeof record | undefined>();
            record.title = record.title.trim();
          },
        },
      },
    );
  });
});
