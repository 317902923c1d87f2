// The public API of basalt/graphql: explicit named exports only.
export type { GraphQLFieldError } from './errors.js';
export type { GraphQLLimits } from './limits.js';
export { type GraphQLModule, type GraphQLOptions, graphql } from './module.js';
export {
  buildGraphQLSchema,
  type GraphQLAction,
  type GraphQLCollectionOptions,
  type GraphQLCollections,
  type GraphQLContext,
} from './schema.js';
