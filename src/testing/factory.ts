import type { AnyModel, CreateInput, Executor, Infer } from '../db/index.js';

/** What a factory's attribute function receives. */
export interface FactoryContext {
  /** 1, 2, 3, … per factory: use it for unique values (`user${seq}@example.com`). */
  seq: number;
  /** The database the row is being created in (to create related rows). */
  db: Executor;
}

/** Builds and creates rows of one model with sensible defaults (factory_boy, model_bakery). */
export interface Factory<M extends AnyModel> {
  readonly model: M;
  /** The attributes of a new row, without saving it. */
  build(db: Executor, overrides?: Partial<CreateInput<M>>): Promise<CreateInput<M>>;
  /** Creates one row through the model operations (validation and hooks run). */
  create(db: Executor, overrides?: Partial<CreateInput<M>>): Promise<Infer<M>>;
  /** Creates `count` rows. */
  createMany(db: Executor, count: number, overrides?: Partial<CreateInput<M>>): Promise<Infer<M>[]>;
}

/**
 * Declares a factory for a model.
 *
 * @example
 * const authors = defineFactory(Author, ({ seq }) => ({ name: `Author ${seq}` }));
 * const books = defineFactory(Book, async ({ seq, db }) => ({
 *   title: `Book ${seq}`, isbn: String(9780000000000 + seq), price: '10.00',
 *   authorId: (await authors.create(db)).id,
 * }));
 * const book = await books.create(db, { price: '4.99' });
 */
export function defineFactory<M extends AnyModel>(
  model: M,
  attributes: (context: FactoryContext) => CreateInput<M> | Promise<CreateInput<M>>,
): Factory<M> {
  let seq = 0;
  const factory: Factory<M> = {
    model,
    async build(db, overrides = {}) {
      seq += 1;
      return { ...(await attributes({ seq, db })), ...overrides } as CreateInput<M>;
    },
    async create(db, overrides) {
      return db.create(model, await factory.build(db, overrides));
    },
    async createMany(db, count, overrides) {
      const rows: Infer<M>[] = [];
      for (let i = 0; i < count; i += 1) rows.push(await factory.create(db, overrides));
      return rows;
    },
  };
  return factory;
}
