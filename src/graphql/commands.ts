import { type GraphQLSchema, printSchema } from 'graphql';
import type { AppCommand } from '../app/index.js';

/**
 * `basalt graphql schema`: prints the SDL of the app's GraphQL schema (commit it to review
 * schema changes, or feed it to a client generator).
 */
export function graphqlCommands(schema: GraphQLSchema): readonly AppCommand[] {
  return [
    {
      name: 'graphql',
      summary: 'Print the GraphQL schema of the app (SDL)',
      usage: 'schema',
      description: 'basalt graphql schema > schema.graphql',
      run(context) {
        const [sub] = context.positionals;
        if (sub !== 'schema') {
          context.stderr.write(`Unknown subcommand '${sub ?? ''}': basalt graphql schema\n`);
          return 2;
        }
        context.stdout.write(`${printSchema(schema)}\n`);
        return 0;
      },
    },
  ];
}
