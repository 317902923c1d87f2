import type { GraphQLNamedType } from 'graphql';
import { BasaltError } from '../core/index.js';

/** The type names of one schema: each claimed once, shared types made once, all found by name. */
export class TypeNames {
  readonly #claimed = new Set<string>();
  readonly #shared = new Map<string, GraphQLNamedType>();
  readonly #types = new Map<string, GraphQLNamedType>();

  /** Claims a name; a second claim is a configuration error (two types would clash). */
  claim(name: string): string {
    if (this.#claimed.has(name))
      throw new BasaltError('BASALT_CONFIG_INVALID', `graphql: two types are named '${name}'`);
    this.#claimed.add(name);
    return name;
  }

  /** A type every collection shares (`PageInfo`, `FieldError`), made on first use. */
  shared<T extends GraphQLNamedType>(name: string, make: () => T): T {
    let type = this.#shared.get(name);
    if (!type) {
      type = make();
      this.claim(name);
      this.#shared.set(name, type);
    }
    return type as T;
  }

  /** Remembers a type so that a custom field can name it (`'Book'`). */
  add<T extends GraphQLNamedType>(type: T): T {
    this.#types.set(type.name, type);
    return type;
  }

  /** A type by name, once the schema is built. */
  get(name: string): GraphQLNamedType | undefined {
    return this.#types.get(name) ?? this.#shared.get(name);
  }
}
