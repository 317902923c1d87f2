import type { Database } from 'basalt/db';
import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import {
  type AuthorRow,
  type BenchTables,
  Book,
  type BookChanges,
  type BookRow,
  type BookWithAuthor,
  type models,
  type NewBook,
} from './schema.js';

export type ImplementationName = 'basalt' | 'kysely' | 'driver';
export type Dialect = 'sqlite' | 'postgres';

/** One way of running the four benchmarked operations; every implementation returns the same data. */
export interface Implementation {
  name: ImplementationName;
  /** A book by primary key; throws when there is none. */
  get(id: number): Promise<BookRow>;
  /** 20 books ordered by id from `offset`, each with its author (one batched author query). */
  list(offset: number): Promise<BookWithAuthor[]>;
  /** Inserts a book and returns the stored row. */
  insert(book: NewBook): Promise<BookRow>;
  /** Changes a book's price and pages and returns the stored row. */
  update(id: number, changes: BookChanges): Promise<BookRow>;
}

export const PAGE_SIZE = 20;

type BenchDatabase = Database<(typeof models)[number]>;

/** Basalt's query API: `db.get`, `db.query().include().limit().offset().all()`, `db.create`, `db.update`. */
export function basaltImplementation(db: BenchDatabase): Implementation {
  return {
    name: 'basalt',
    get: async (id) => (await db.get(Book, id)) as BookRow,
    list: async (offset) =>
      (await db.query(Book).include('author').limit(PAGE_SIZE).offset(offset).all()) as BookWithAuthor[],
    insert: async (book) => (await db.create(Book, book)) as BookRow,
    update: async (id, changes) => (await db.update(Book, id, changes)) as BookRow,
  };
}

class NotFoundError extends Error {}

// The decimal comes back as a REAL from SQLite and as a string from PostgreSQL; both
// implementations hand it out as a string with the column's two decimals, as Basalt does.
function price(value: number | string): string {
  return typeof value === 'number' ? value.toFixed(2) : value;
}

interface RawBook {
  id: number;
  title: string;
  isbn: string;
  pages: number;
  price: number | string;
  publishedOn: string;
  authorId: number;
}

function toBook(r: RawBook): BookRow {
  return {
    id: r.id,
    title: r.title,
    isbn: r.isbn,
    pages: r.pages,
    price: price(r.price),
    publishedOn: r.publishedOn,
    authorId: r.authorId,
  };
}

function toAuthor(r: AuthorRow): AuthorRow {
  return { id: r.id, name: r.name, bio: r.bio };
}

function withAuthors(books: RawBook[], authors: AuthorRow[]): BookWithAuthor[] {
  const byId = new Map(authors.map((a) => [a.id, toAuthor(a)]));
  return books.map((b) => ({ ...toBook(b), author: byId.get(b.authorId) ?? null }));
}

function authorIds(books: RawBook[]): number[] {
  return [...new Set(books.map((b) => b.authorId))];
}

const KYSELY_BOOK = [
  'id',
  'title',
  'isbn',
  'pages',
  'price',
  'published_on as publishedOn',
  'author_id as authorId',
] as const;

/**
 * The same statements built with Kysely's query builder. Like Basalt, the list runs two
 * queries: the page of books (LIMIT/OFFSET inlined as literals, as Basalt does), then
 * `where id in (...)` for their authors.
 */
export function kyselyImplementation(kysely: Kysely<BenchTables>, dialect: Dialect): Implementation {
  const bind = (value: string) => (dialect === 'sqlite' ? Number(value) : value);
  return {
    name: 'kysely',
    async get(id) {
      const row = await kysely
        .selectFrom('bench_book')
        .select(KYSELY_BOOK)
        .where('id', '=', id)
        .limit(sql.lit(1))
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`No book ${id}`);
      return toBook(row);
    },
    async list(offset) {
      const books = await kysely
        .selectFrom('bench_book')
        .select(KYSELY_BOOK)
        .orderBy('id', 'asc')
        .limit(sql.lit(PAGE_SIZE))
        .offset(sql.lit(offset))
        .execute();
      const ids = authorIds(books);
      const authors = ids.length
        ? await kysely
            .selectFrom('bench_author')
            .select(['id', 'name', 'bio'])
            .where('id', 'in', ids)
            .execute()
        : [];
      return withAuthors(books, authors);
    },
    async insert(book) {
      const row = await kysely
        .insertInto('bench_book')
        .values({
          title: book.title,
          isbn: book.isbn,
          pages: book.pages,
          price: bind(book.price),
          published_on: book.publishedOn,
          author_id: book.authorId,
        })
        .returning(KYSELY_BOOK)
        .executeTakeFirstOrThrow();
      return toBook(row);
    },
    async update(id, changes) {
      const row = await kysely
        .updateTable('bench_book')
        .set({ price: bind(changes.price), pages: changes.pages })
        .where('id', '=', id)
        .returning(KYSELY_BOOK)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`No book ${id}`);
      return toBook(row);
    },
  };
}

const BOOK_COLUMNS = 'id, title, isbn, pages, price, published_on as "publishedOn", author_id as "authorId"';
const INSERT_BOOK = 'insert into bench_book (title, isbn, pages, price, published_on, author_id)';

function placeholders(n: number, dialect: Dialect): string {
  return Array.from({ length: n }, (_, i) => (dialect === 'sqlite' ? '?' : `$${i + 1}`)).join(', ');
}

/** better-sqlite3 prepared statements, prepared once (the author lookup once per key count). */
export function sqliteDriverImplementation(db: BetterSqlite3.Database): Implementation {
  const get = db.prepare<[number], RawBook>(`select ${BOOK_COLUMNS} from bench_book where id = ? limit 1`);
  const page = db.prepare<[number, number], RawBook>(
    `select ${BOOK_COLUMNS} from bench_book order by id asc limit ? offset ?`,
  );
  const authorsByCount = new Map<number, BetterSqlite3.Statement<number[], AuthorRow>>();
  const authors = (ids: number[]) => {
    let statement = authorsByCount.get(ids.length);
    if (!statement) {
      statement = db.prepare<number[], AuthorRow>(
        `select id, name, bio from bench_author where id in (${placeholders(ids.length, 'sqlite')})`,
      );
      authorsByCount.set(ids.length, statement);
    }
    return statement.all(...ids);
  };
  const insert = db.prepare<[string, string, number, number, string, number], RawBook>(
    `${INSERT_BOOK} values (?, ?, ?, ?, ?, ?) returning ${BOOK_COLUMNS}`,
  );
  const update = db.prepare<[number, number, number], RawBook>(
    `update bench_book set price = ?, pages = ? where id = ? returning ${BOOK_COLUMNS}`,
  );
  return {
    name: 'driver',
    async get(id) {
      const row = get.get(id);
      if (!row) throw new NotFoundError(`No book ${id}`);
      return toBook(row);
    },
    async list(offset) {
      const books = page.all(PAGE_SIZE, offset);
      const ids = authorIds(books);
      return withAuthors(books, ids.length ? authors(ids) : []);
    },
    async insert(book) {
      const row = insert.get(
        book.title,
        book.isbn,
        book.pages,
        Number(book.price),
        book.publishedOn,
        book.authorId,
      );
      return toBook(row!);
    },
    async update(id, changes) {
      const row = update.get(Number(changes.price), changes.pages, id);
      if (!row) throw new NotFoundError(`No book ${id}`);
      return toBook(row);
    },
  };
}

/** pg parameterised (unnamed, not server-prepared) queries on a pool, as Kysely sends them. */
export function pgDriverImplementation(pool: pg.Pool): Implementation {
  const query = async <R>(text: string, values: unknown[]): Promise<R[]> =>
    (await pool.query({ text, values })).rows as R[];
  return {
    name: 'driver',
    async get(id) {
      const [row] = await query<RawBook>(`select ${BOOK_COLUMNS} from bench_book where id = $1 limit 1`, [
        id,
      ]);
      if (!row) throw new NotFoundError(`No book ${id}`);
      return toBook(row);
    },
    async list(offset) {
      const books = await query<RawBook>(
        `select ${BOOK_COLUMNS} from bench_book order by id asc limit $1 offset $2`,
        [PAGE_SIZE, offset],
      );
      const ids = authorIds(books);
      const authors = ids.length
        ? await query<AuthorRow>(
            `select id, name, bio from bench_author where id in (${placeholders(ids.length, 'postgres')})`,
            ids,
          )
        : [];
      return withAuthors(books, authors);
    },
    async insert(book) {
      const [row] = await query<RawBook>(
        `${INSERT_BOOK} values ($1, $2, $3, $4, $5, $6) returning ${BOOK_COLUMNS}`,
        [book.title, book.isbn, book.pages, book.price, book.publishedOn, book.authorId],
      );
      return toBook(row!);
    },
    async update(id, changes) {
      const [row] = await query<RawBook>(
        `update bench_book set price = $1, pages = $2 where id = $3 returning ${BOOK_COLUMNS}`,
        [changes.price, changes.pages, id],
      );
      if (!row) throw new NotFoundError(`No book ${id}`);
      return toBook(row);
    },
  };
}
