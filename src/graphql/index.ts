// The public API of basalt/graphql: explicit named exports only.
export {
  type AnyGraphQLField,
  defineMutation,
  defineQuery,
  type GraphQLFieldDefinition,
  type GraphQLResult,
} from './custom.js';
export type { GraphQLFieldError } from './errors.js';
export type { GraphQLLimits } from './limits.js';
export {
  type GraphQLModule,
  type GraphQLOptions,
  type GraphQLSubscriptionOptions,
  graphql,
} from './module.js';
export type { PersistedQueriesOptions } from './persisted.js';
export {
  buildGraphQLSchema,
  type GraphQLAction,
  type GraphQLCollectionOptions,
  type GraphQLCollections,
  type GraphQLContext,
  type GraphQLSchemaOptions,
} from './schema.js';
