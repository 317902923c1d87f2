import { defineModel, f } from 'basalt/db';
import type { Generated } from 'kysely';

/** An author of the benchmark's catalogue. */
export const Author = defineModel(
  'benchAuthor',
  {
    name: f.string({ max: 120 }),
    bio: f.text({ optional: true }),
  },
  { table: 'bench_author' },
);

/**
 * A book, which belongs to an author. Ordered by id so that `limit/offset` pages are
 * deterministic and every implementation returns the same rows.
 */
export const Book = defineModel(
  'benchBook',
  {
    title: f.string({ max: 200 }),
    isbn: f.string({ max: 13 }),
    pages: f.integer(),
    price: f.decimal({ precision: 8, scale: 2 }),
    publishedOn: f.date(),
    author: f.belongsTo(() => Author, { onDelete: 'cascade' }),
  },
  { table: 'bench_book', ordering: ['id'] },
);

export const models = [Author, Book] as const;

/** The same tables as Kysely sees them, for the raw-Kysely implementations. */
export interface BenchTables {
  bench_author: { id: Generated<number>; name: string; bio: string | null };
  bench_book: {
    id: Generated<number>;
    title: string;
    isbn: string;
    pages: number;
    // SQLite stores the decimal as a REAL; PostgreSQL's numeric arrives as a string.
    price: number | string;
    published_on: string;
    author_id: number;
  };
}

/** An author as every implementation returns it. */
export interface AuthorRow {
  id: number;
  name: string;
  bio: string | null;
}

/** A book as every implementation returns it (attribute names, decimal as a string). */
export interface BookRow {
  id: number;
  title: string;
  isbn: string;
  pages: number;
  price: string;
  publishedOn: string;
  authorId: number;
}

/** A book with its author loaded. */
export interface BookWithAuthor extends BookRow {
  author: AuthorRow | null;
}

/** What an insert takes. */
export type NewBook = Omit<BookRow, 'id'>;

/** What an update changes. */
export interface BookChanges {
  price: string;
  pages: number;
}

/** How much data the bench seeds. */
export interface SeedSize {
  authors: number;
  books: number;
}

export const FULL_SEED: SeedSize = { authors: 1_000, books: 10_000 };

/** A small deterministic generator (mulberry32), so every run seeds the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['stone', 'river', 'glass', 'ember', 'north', 'quiet', 'salt', 'iron', 'winter', 'harbour'];

function words(next: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
}

/** Author `i` (1-based) of the seed. */
export function seedAuthor(i: number): { name: string; bio: string | null } {
  const next = random(i);
  return {
    name: `Author ${i} ${words(next, 2)}`,
    bio: i % 3 === 0 ? null : `Writes about ${words(next, 6)}.`,
  };
}

/** Book `i` (1-based) of the seed, or of an insert when `i` is past the seed. */
export function seedBook(i: number, authors: number): NewBook {
  const next = random(1_000_003 + i);
  const cents = 100 + Math.floor(next() * 9_900);
  const month = 1 + Math.floor(next() * 12);
  const day = 1 + Math.floor(next() * 28);
  return {
    title: `Book ${i}: ${words(next, 3)}`,
    isbn: String(9_780_000_000_000 + i),
    pages: 50 + Math.floor(next() * 900),
    price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    publishedOn: `${1950 + (i % 75)}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    authorId: 1 + (Math.floor(next() * 1_000_000) % authors),
  };
}

/** The change applied by update number `i`. */
export function bookChanges(i: number): BookChanges {
  const cents = 100 + ((i * 7_919) % 9_900);
  return {
    price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    pages: 50 + (i % 900),
  };
}
