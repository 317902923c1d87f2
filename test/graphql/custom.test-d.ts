import { t } from 'basalt';
import { defineMutation, defineQuery, type GraphQLContext } from 'basalt/graphql';
import { describe, expectTypeOf, it } from 'vitest';

describe('defineQuery / defineMutation types', () => {
  it('types the arguments from the TypeBox schema and the context as an endpoint has it', () => {
    defineQuery({
      args: t.Object({ limit: t.Integer(), search: t.Optional(t.String()) }),
      type: t.Array(t.Object({ title: t.String() })),
      resolve: (args, context) => {
        expectTypeOf(args).toEqualTypeOf<{ limit: number; search?: string }>();
        expectTypeOf(context).toEqualTypeOf<GraphQLContext>();
        expectTypeOf(context.log.info).toBeFunction();
        expectTypeOf(context.actor.isStaff).toEqualTypeOf<boolean>();
        return [{ title: 'x' }];
      },
    });
  });

  it('checks the answer against the TypeBox type', () => {
    defineMutation({
      args: t.Object({ id: t.Integer() }),
      type: t.Object({ id: t.Integer(), name: t.String() }),
      // @ts-expect-error: name must be a string
      resolve: async ({ id }) => ({ id, name: 42 }),
    });
    defineQuery({
      type: t.Integer(),
      // @ts-expect-error: the answer is a number
      resolve: () => 'one',
    });
  });

  it('takes no arguments when none are declared, and anything for a type named by its GraphQL name', () => {
    defineQuery({
      type: '[Book!]!',
      resolve: (args) => {
        expectTypeOf(args).toEqualTypeOf<{}>();
        return [];
      },
    });
  });
});
