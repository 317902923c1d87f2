// The 1,000,000-book catalogue of issue 24: the bookshop's book and author, the data built
// inside the database (generate_series on PostgreSQL, a recursive CTE on SQLite), and the
// indexes Basalt's migrations give it — dropped for "before", created for "after".
import { type Database, defineModel, f, sql } from 'basalt/db';
import { createSearchSql, dropSearchSql, type SearchTarget } from '../../src/db/query/search.js';

export const Author = defineModel('author', { name: f.string({ max: 120 }) });

export const Book = defineModel(
  'book',
  {
    title: f.string({ max: 200 }),
    isbn: f.string({ max: 13, unique: true }),
    price: f.decimal({ precision: 8, scale: 2 }),
    publishedOn: f.date({ optional: true }),
    author: f.belongsTo(() => Author, { onDelete: 'cascade', related: 'books' }),
  },
  {
    ordering: ['title'],
    indexes: [
      ['author', 'publishedOn'],
      ['price', 'id'],
      ['publishedOn', 'id'],
      ['createdAt', 'id'],
    ],
    timestamps: true,
  },
);

export const models = [Author, Book] as const;
export type ScaleDb = Database<(typeof models)[number]>;
type Dialect = 'sqlite' | 'postgres';

/** What the search of the "after" app is served by (the bookshop's search fields). */
export const SEARCH: SearchTarget = {
  table: 'book',
  columns: ['title', 'isbn'],
  mode: 'contains',
  language: 'english',
};

async function run(db: ScaleDb, text: string): Promise<void> {
  await sql.raw(text).execute(db.kysely);
}

/** The tables with their primary keys and the unique ISBN only: what today's code gets without the new indexes. */
export async function createBareTables(db: ScaleDb, dialect: Dialect): Promise<void> {
  const id = dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement';
  const ts = dialect === 'postgres' ? 'timestamptz' : 'text';
  await run(db, `create table author (id ${id}, name varchar(120) not null)`);
  await run(
    db,
    `create table book (id ${id}, title varchar(200) not null, isbn varchar(13) not null unique, price numeric(8, 2) not null, published_on date, author_id bigint not null references author (id) on delete cascade, created_at ${ts} not null, updated_at ${ts} not null)`,
  );
}

/** Fills the catalogue: `authors` authors, `books` books, in the database itself. */
export async function fill(db: ScaleDb, dialect: Dialect, books: number, authors: number): Promise<void> {
  if (dialect === 'postgres') {
    await run(db, `insert into author (name) select 'Author ' || n from generate_series(1, ${authors}) as n`);
    await run(
      db,
      `insert into book (title, isbn, price, published_on, author_id, created_at, updated_at)
       select 'title ' || n, lpad(n::text, 13, '0'), ((n::bigint * 7919) % 10000) / 100.0,
              case when n % 10 = 0 then null else date '2000-01-01' + (n % 9000) end,
              (n % ${authors}) + 1, timestamptz '2020-01-01' + n * interval '1 second', now()
       from generate_series(1, ${books}) as n`,
    );
    // What autovacuum does to a table after a bulk insert: statistics, and the visibility map
    // that lets counts and keysets read indexes only.
    await run(db, 'vacuum analyze');
    return;
  }
  await run(
    db,
    `with recursive s(n) as (select 1 union all select n + 1 from s where n < ${authors}) insert into author (name) select 'Author ' || n from s`,
  );
  await run(
    db,
    `with recursive s(n) as (select 1 union all select n + 1 from s where n < ${books})
     insert into book (title, isbn, price, published_on, author_id, created_at, updated_at)
     select 'title ' || n, substr('0000000000000' || n, -13), ((n * 7919) % 10000) / 100.0,
            case when n % 10 = 0 then null else date('2000-01-01', '+' || (n % 9000) || ' days') end,
            (n % ${authors}) + 1, strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || n || ' seconds'),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     from s`,
  );
  await run(db, 'analyze');
}

/** The indexes `makemigrations` writes for these models (foreign key, default ordering, declared ones). */
function indexStatements(dialect: Dialect): string[] {
  const nullsFirst = dialect === 'postgres' ? ' nulls first' : '';
  return [
    'create index book_author_id_published_on_idx on book (author_id, published_on' + nullsFirst + ')',
    'create index book_price_id_idx on book (price, id)',
    'create index book_published_on_id_idx on book (published_on' + nullsFirst + ', id)',
    'create index book_created_at_id_idx on book (created_at, id)',
    'create index book_title_id_idx on book (title, id)',
  ];
}

const INDEXES = [
  'book_author_id_published_on_idx',
  'book_price_id_idx',
  'book_published_on_id_idx',
  'book_created_at_id_idx',
  'book_title_id_idx',
];

/** Drops what {@link createIndexes} makes (a rerun measures "before" again). */
export async function dropIndexes(db: ScaleDb, dialect: Dialect): Promise<void> {
  for (const name of INDEXES) await run(db, `drop index if exists ${name}`);
  const search = dropSearchSql(dialect, SEARCH).map((s) =>
    s.replace(/^DROP (INDEX|TABLE) /, 'DROP $1 IF EXISTS '),
  );
  for (const s of search) await run(db, s);
}

/** Whether every index {@link createIndexes} makes is there (a rerun may keep them). */
export async function hasIndexes(db: ScaleDb, dialect: Dialect): Promise<boolean> {
  const search = dialect === 'postgres' ? SEARCH.columns.map((c) => `book_${c}_trgm_idx`) : [];
  const wanted = [...INDEXES, ...search];
  const query =
    dialect === 'postgres'
      ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'book'`
      : sql<{ name: string }>`select name from sqlite_master where tbl_name in ('book', 'book_search')`;
  const names = new Set((await query.execute(db.kysely)).rows.map((r) => r.name));
  const searchTable = dialect === 'sqlite' ? names.has('book_search') : true;
  return searchTable && wanted.every((name) => names.has(name));
}

/** Creates the indexes and the search index; returns the seconds it took. */
export async function createIndexes(db: ScaleDb, dialect: Dialect): Promise<number> {
  const started = performance.now();
  for (const s of indexStatements(dialect)) await run(db, s);
  for (const s of createSearchSql(dialect, SEARCH)) await run(db, s);
  await run(db, dialect === 'postgres' ? 'vacuum analyze' : 'analyze');
  return (performance.now() - started) / 1000;
}
