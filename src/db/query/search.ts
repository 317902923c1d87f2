import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { quoteId, quoteString } from '../dialects/dialect.js';
import { PLAN_WITH_VALUES } from '../dialects/postgres.js';

/** How an index serves `search`: substrings (trigrams) or words by stem, ranked. */
export type SearchMode = 'contains' | 'fulltext';

/** A search index over some text columns of one table. */
export interface SearchTarget {
  table: string;
  columns: readonly string[];
  mode: SearchMode;
  /** PostgreSQL text search configuration (`fulltext`). */
  language: string;
}

/** Name of the FTS5 table of a table's search index (SQLite). */
export function searchTableName(table: string): string {
  return `${table}_search`;
}

const WEIGHTS = ['A', 'B', 'C', 'D'] as const;

/**
 * The weighted `tsvector` of a PostgreSQL `fulltext` index: the first column weighs A, the
 * next B, C, then D. Queries repeat it exactly, so the planner matches the index expression.
 */
export function tsvectorSql(target: SearchTarget, alias?: string): string {
  const config = `${quoteString(target.language)}::regconfig`;
  return target.columns
    .map((column, i) => {
      const col = alias ? `${quoteId(alias)}.${quoteId(column)}` : quoteId(column);
      return `setweight(to_tsvector(${config}, coalesce(${col}, '')), '${WEIGHTS[Math.min(i, 3)]}')`;
    })
    .join(' || ');
}

/** Statements creating a search index (migrations' `searchIndex`). */
export function createSearchSql(dialect: 'sqlite' | 'postgres', target: SearchTarget): string[] {
  const table = quoteId(target.table);
  if (dialect === 'postgres') {
    if (target.mode === 'contains')
      return [
        'CREATE EXTENSION IF NOT EXISTS pg_trgm',
        // The operator class is named in the extension's own schema: the extension may live
        // in a schema outside this connection's search_path (created there by another app or
        // an earlier migration).
        ...target.columns.map(
          (column) =>
            `DO $$ BEGIN EXECUTE format('CREATE INDEX %I ON %I USING gin (%I %I.gin_trgm_ops)', ${quoteString(`${target.table}_${column}_trgm_idx`)}, ${quoteString(target.table)}, ${quoteString(column)}, (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm')); END $$`,
        ),
      ];
    return [
      `CREATE INDEX ${quoteId(`${target.table}_search_idx`)} ON ${table} USING gin ((${tsvectorSql(target)}))`,
    ];
  }
  const q = quoteId(searchTableName(target.table));
  const cols = target.columns.map(quoteId).join(', ');
  const tokenizer = target.mode === 'contains' ? 'trigram' : 'porter unicode61 remove_diacritics 2';
  // An external-content table: the text stays in the model's table, triggers keep the index in step.
  return [
    `CREATE VIRTUAL TABLE ${q} USING fts5(${cols}, content=${quoteString(target.table)}, content_rowid='rowid', tokenize=${quoteString(tokenizer)})`,
    ...searchTriggerSql(target),
    `INSERT INTO ${q}(${q}) VALUES ('rebuild')`,
  ];
}

/** SQLite: the triggers keeping a table's FTS5 index in step with its rows. */
export function searchTriggerSql(target: SearchTarget): string[] {
  const table = quoteId(target.table);
  const fts = searchTableName(target.table);
  const q = quoteId(fts);
  const cols = target.columns.map(quoteId).join(', ');
  const values = (row: string) => target.columns.map((c) => `${row}.${quoteId(c)}`).join(', ');
  const remove = `INSERT INTO ${q}(${q}, rowid, ${cols}) VALUES ('delete', old.rowid, ${values('old')});`;
  const add = `INSERT INTO ${q}(rowid, ${cols}) VALUES (new.rowid, ${values('new')});`;
  return [
    `CREATE TRIGGER ${quoteId(`${fts}_ai`)} AFTER INSERT ON ${table} BEGIN ${add} END`,
    `CREATE TRIGGER ${quoteId(`${fts}_ad`)} AFTER DELETE ON ${table} BEGIN ${remove} END`,
    `CREATE TRIGGER ${quoteId(`${fts}_au`)} AFTER UPDATE ON ${table} BEGIN ${remove} ${add} END`,
  ];
}

/** Statements dropping a search index. */
export function dropSearchSql(dialect: 'sqlite' | 'postgres', target: SearchTarget): string[] {
  if (dialect === 'postgres')
    return target.mode === 'contains'
      ? target.columns.map((column) => `DROP INDEX ${quoteId(`${target.table}_${column}_trgm_idx`)}`)
      : [`DROP INDEX ${quoteId(`${target.table}_search_idx`)}`];
  const fts = searchTableName(target.table);
  return [
    ...['ai', 'ad', 'au'].map((suffix) => `DROP TRIGGER IF EXISTS ${quoteId(`${fts}_${suffix}`)}`),
    `DROP TABLE ${quoteId(fts)}`,
  ];
}

/** An FTS5 query: every word, each a quoted string (FTS5 syntax in a word is taken literally). */
function ftsQuery(words: readonly string[]): string {
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

/** Words the SQLite trigram tokenizer can look up (three characters or more). */
export function trigramWords(words: readonly string[]): string[] {
  return words.filter((w) => [...w].length >= 3);
}

/**
 * The condition of an index-served search on a table aliased `alias`: every word must match
 * (a substring of one of the columns for `contains`, a stem for `fulltext`). On PostgreSQL it
 * is marked {@link PLAN_WITH_VALUES}: which word's index to read depends on the words.
 */
export function searchCondition(
  dialect: 'sqlite' | 'postgres',
  target: SearchTarget,
  words: readonly string[],
  alias: string,
): RawBuilder<SqlBool> {
  if (dialect === 'sqlite') return wordsCondition(dialect, target, words, alias);
  const condition =
    target.mode === 'fulltext'
      ? sql<SqlBool>`(${sql.raw(tsvectorSql(target, alias))}) @@ plainto_tsquery(${sql.raw(`${quoteString(target.language)}::regconfig`)}, ${words.join(' ')})`
      : wordsCondition(dialect, target, words, alias);
  return sql<SqlBool>`${sql.raw(PLAN_WITH_VALUES)} ${condition}`;
}

/** Every word a substring of one of the columns (SQLite `fulltext`: a stem, through FTS5). */
function wordsCondition(
  dialect: 'sqlite' | 'postgres',
  target: SearchTarget,
  words: readonly string[],
  alias: string,
): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  // PostgreSQL `contains`: ILIKE, which the trigram GIN indexes serve; SQLite: the FTS5
  // trigram table for words of three characters or more, LIKE for shorter ones.
  // A common word's trigram lists are long, and FTS5 reads each whole: the longest word
  // (most often the rarest) goes to the index, the others are checked on what it finds.
  const longest = trigramWords(words).sort((a, b) => b.length - a.length)[0];
  const indexed =
    dialect === 'sqlite'
      ? target.mode === 'contains'
        ? longest === undefined
          ? []
          : [longest]
        : [...words]
      : [];
  if (indexed.length > 0) {
    const fts = sql.id(searchTableName(target.table));
    parts.push(
      sql<SqlBool>`${sql.ref(`${alias}.rowid`)} in (select rowid from ${fts} where ${fts} match ${ftsQuery(indexed)})`,
    );
  }
  for (const word of words) {
    if (indexed.includes(word)) continue;
    const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const each = target.columns.map((column) => {
      const col = sql.ref(`${alias}.${column}`);
      return dialect === 'postgres'
        ? sql<SqlBool>`${col} ilike ${pattern} escape '\\'`
        : sql<SqlBool>`lower(${col}) like lower(${pattern}) escape '\\'`;
    });
    parts.push(sql<SqlBool>`(${sql.join(each, sql` or `)})`);
  }
  return parts.length > 0 ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : sql<SqlBool>`1 = 1`;
}

/** The relevance of a row to a `fulltext` search, higher first on both dialects. */
export function searchRank(
  dialect: 'sqlite' | 'postgres',
  target: SearchTarget,
  words: readonly string[],
  alias: string,
): RawBuilder<number> {
  if (dialect === 'postgres')
    return sql<number>`ts_rank(${sql.raw(tsvectorSql(target, alias))}, plainto_tsquery(${sql.raw(`${quoteString(target.language)}::regconfig`)}, ${words.join(' ')}))`;
  const fts = sql.id(searchTableName(target.table));
  const weights = sql.raw(target.columns.map((_, i) => String(Math.max(1, 10 - 3 * i))).join(', '));
  // bm25() is lower for better matches: negated, so that "higher first" holds here too. The
  // matches are ranked once (an uncorrelated subquery), then looked up per row.
  return sql<number>`(select r.score from (select rowid as id, -bm25(${fts}, ${weights}) as score from ${fts} where ${fts} match ${ftsQuery(words)}) as r where r.id = ${sql.ref(`${alias}.rowid`)})`;
}
