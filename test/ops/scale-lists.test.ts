import { randomBytes } from 'node:crypto';
import { CompiledQuery, type LogEvent } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  createMigrationRunner,
  type Database,
  defineMigration,
  defineModel,
  f,
  removeSearchIndex,
  searchIndex,
} from '../../src/db/index.js';
import { detectChanges } from '../../src/db/migrations/autodetector.js';
import { emptyState, stateFromModels } from '../../src/db/migrations/state.js';
import { runtimeOf } from '../../src/ops/collection.js';
import { defineCollection, operations, system } from '../../src/ops/index.js';
import { listIndexFindings } from '../../src/ops/internal.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Lists that stay fast on big tables (issue 24): indexes for foreign keys and orderings,
// counts that stop counting, keyset pages past a depth, search served by an index.

const Writer = defineModel('writer', { name: f.string({ max: 80 }) });
const Novel = defineModel(
  'novel',
  {
    title: f.string({ max: 120 }),
    summary: f.text({ default: '' }),
    price: f.integer(),
    publishedOn: f.date({ optional: true }),
    writer: f.belongsTo(() => Writer, { onDelete: 'cascade' }),
  },
  {
    ordering: ['title'],
    indexes: [['price', 'id']],
    search: { fields: ['title', 'summary'], mode: 'contains' },
  },
);
const models = [Writer, Novel] as const;

const ROWS = 30;
const WORDS = ['amber', 'basalt', 'cobalt', 'dune', 'ember'];

function novels(writerId: number) {
  return Array.from({ length: ROWS }, (_, i) => ({
    title: `Title ${String(i).padStart(2, '0')} ${WORDS[i % 5]}`,
    summary: i === 7 ? 'A tale of running rivers' : `Summary ${i}`,
    price: [5, 7, 10][i % 3]!,
    publishedOn: i % 4 === 0 ? null : `2020-01-0${1 + (i % 3)}`,
    writerId,
  }));
}

describe('indexes a list needs', () => {
  it('indexes a foreign key unless an index starts with it, and a default ordering with the key', () => {
    expect(Novel.meta.fields.writer!.index).toBe(true);
    expect(Novel.meta.indexes.map((i) => [i.name, i.fields])).toEqual([
      ['novel_price_id_idx', ['price', 'id']],
      ['novel_title_id_idx', ['title', 'id']],
    ]);
    const covered = defineModel(
      'covered',
      { writer: f.belongsTo(() => Writer), at: f.date() },
      { ordering: ['-at'], indexes: [['writer', 'at']] },
    );
    expect(covered.meta.fields.writer!.index).toBe(false);
    expect(covered.meta.indexes.map((i) => i.name)).toEqual([
      'covered_writer_id_at_idx',
      'covered_at_id_idx',
    ]);
    const optedOut = defineModel('opted', { writer: f.belongsTo(() => Writer, { index: false }) });
    expect(optedOut.meta.fields.writer!.index).toBe(false);
  });

  it('makemigrations writes them', async () => {
    const ops = await detectChanges(emptyState(), stateFromModels(models));
    const code = ops.map((o) => o.toCode()).join('\n');
    expect(code).toContain(
      "writer: { kind: 'belongsTo', index: true, target: 'writer', onDelete: 'cascade' }",
    );
    expect(code).toContain("{ name: 'novel_title_id_idx', fields: ['title', 'id'] }");
    expect(code).toContain("searchIndex('novel', { fields: ['title', 'summary'], mode: 'contains' })");
  });

  it('db.createTables() creates the search index a model declares', async () => {
    const db = createDatabase({ url: 'sqlite::memory:', models });
    try {
      await db.createTables();
      const writer = await db.create(Writer, { name: 'w' });
      await db.createMany(Novel, novels(writer.id));
      const searched = defineCollection(Novel, {
        search: { fields: ['title', 'summary'], mode: 'contains' },
      });
      const page = (await operations(db).list(system, searched, { search: 'COBALT' })) as { count: number };
      expect(page.count).toBe(6);
    } finally {
      await db.close();
    }
  });

  it('the system check names orderings, filters and searches no index serves, with a hint', () => {
    const loose = defineCollection(Novel, {
      ordering: ['title', 'price', 'summary'],
      filters: { price: ['lt'], publishedOn: ['gte'], writer: true },
      search: ['title'],
    });
    const findings = listIndexFindings(runtimeOf(loose), 'GET /novels');
    expect(findings.map((m) => [m.id, m.level])).toEqual([
      ['ops.W001', 'warning'],
      ['ops.W002', 'warning'],
      ['ops.W003', 'warning'],
    ]);
    expect(findings[0]!.message).toContain("orders 'novel' by summary");
    expect(findings[0]!.hint).toContain("indexes: [['summary', 'id']]");
    expect(findings[1]!.message).toContain("filters 'novel' by publishedOn");
    expect(findings[2]!.hint).toContain("mode: 'contains'");
    const tight = defineCollection(Novel, {
      ordering: ['title', 'price'],
      filters: { price: ['lt'], writer: true },
      search: { fields: ['title', 'summary'], mode: 'contains' },
    });
    expect(listIndexFindings(runtimeOf(tight), 'GET /novels')).toEqual([]);
    const mismatched = defineCollection(Novel, { search: { fields: ['title'], mode: 'fulltext' } });
    expect(listIndexFindings(runtimeOf(mismatched), 'GET /novels').map((m) => m.id)).toEqual(['ops.W004']);
  });
});

const cases = [
  { name: 'SQLite', dialect: 'sqlite' as const, skip: false },
  { name: 'PostgreSQL', dialect: 'postgres' as const, skip: !hasPostgres },
];

describe.each(cases)('big lists on $name', ({ dialect, skip }) => {
  let db: Database<(typeof models)[number]>;
  let close: () => Promise<void>;
  const statements: string[] = [];
  const parameters: (readonly unknown[])[] = [];
  const log = (event: LogEvent) => {
    if (event.level !== 'query') return;
    statements.push(event.query.sql);
    parameters.push(event.query.parameters);
  };

  async function migrate(database: Database<(typeof models)[number]>, search: 'contains' | 'fulltext') {
    const initial = defineMigration({
      operations: await detectChanges(emptyState(), stateFromModels(models)),
    });
    // The model declares a `contains` index; the fulltext case swaps it in a second migration.
    const searched = defineMigration({
      dependencies: ['0001_initial'],
      operations:
        search === 'contains'
          ? []
          : [
              removeSearchIndex('novel'),
              searchIndex('novel', { fields: ['title', 'summary'], mode: search }),
            ],
    });
    const runner = createMigrationRunner({
      kysely: database.kysely as never,
      dialect,
      migrations: [
        { ...initial, name: '0001_initial' },
        { ...searched, name: '0002_search' },
      ],
    });
    await runner.migrate();
    return runner;
  }

  async function open(search: 'contains' | 'fulltext') {
    if (dialect === 'sqlite') {
      const database = createDatabase({ url: 'sqlite::memory:', models, log });
      await migrate(database, search);
      return { database, close: () => database.close() };
    }
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = createDatabase({ url: POSTGRES_URL, models: [] });
    await admin.kysely.schema.createSchema(schema).execute();
    // `public` too: pg_trgm's operator classes live where the extension was first created.
    const database = createDatabase({ url: POSTGRES_URL, models, searchPath: `${schema},public`, log });
    await migrate(database, search);
    return {
      database,
      close: async () => {
        await database.close();
        await admin.kysely.schema.dropSchema(schema).cascade().execute();
        await admin.close();
      },
    };
  }

  beforeAll(async () => {
    if (skip) return;
    ({ database: db, close } = await open('contains'));
    const writer = await db.create(Writer, { name: 'w' });
    await db.createMany(Novel, novels(writer.id));
    if (dialect === 'postgres') await db.kysely.executeQuery(CompiledQuery.raw('analyze novel'));
  });
  afterAll(async () => {
    await close?.();
  });

  const list = (collection: object, params: Record<string, unknown> = {}) =>
    operations(db).list(system, collection as never, params) as Promise<{
      results: { id: number; title: string }[];
      count?: number;
      countIsEstimate?: boolean;
      next: Record<string, string> | null;
      previous: Record<string, string> | null;
    }>;

  it.skipIf(skip)('counts exactly below the limit and estimates above it, marked as such', async () => {
    const small = defineCollection(Novel, { filters: { price: ['lt'] }, exactCountLimit: 10 });
    const exactBelow = await list(small, { 'price[lt]': 6 });
    expect(exactBelow.count).toBe(10);
    expect(exactBelow.countIsEstimate).toBeUndefined();
    const above = await list(small);
    expect(above.countIsEstimate).toBe(true);
    // SQLite counts up to the limit and one more (a lower bound); PostgreSQL has its statistics.
    expect(above.count).toBe(dialect === 'sqlite' ? 11 : ROWS);
    const filtered = await list(small, { 'price[lt]': 8 });
    expect(filtered.countIsEstimate).toBe(true);
    expect(filtered.count).toBeGreaterThan(10);
    expect((await list(defineCollection(Novel, { count: 'exact', exactCountLimit: 10 }))).count).toBe(ROWS);
    const none = await list(defineCollection(Novel, { count: 'none' }));
    expect(none.count).toBeUndefined();
    expect(none.next).toEqual({ page: '2' });
  });

  it.skipIf(skip)(
    'switches to cursors past the page depth; a deeper page number is a 400, past the end a 404',
    async () => {
      const paged = defineCollection(Novel, {
        ordering: ['title', 'price', 'publishedOn'],
        pagination: { style: 'page', pageSize: 4, maxOffset: 8 },
      });
      const first = await list(paged);
      expect(first.next).toEqual({ page: '2' });
      const second = await list(paged, { page: 2 });
      expect(second.next?.cursor).toMatch(/^n\./);
      await expect(list(paged, { page: 3 })).rejects.toMatchObject({ code: 'BASALT_VALIDATION_FAILED' });
      await expect(list(paged, { page: 30 })).rejects.toMatchObject({ status: 404 });
      for (const ordering of [undefined, '-price', 'publishedOn', '-publishedOn,price']) {
        const params: Record<string, unknown> = ordering ? { ordering } : {};
        const seen: number[] = [];
        let page = await list(paged, params);
        seen.push(...page.results.map((r) => r.id));
        while (page.next) {
          page = await list(paged, {
            ...params,
            ...page.next,
            page: page.next.page ? Number(page.next.page) : undefined,
          });
          seen.push(...page.results.map((r) => r.id));
        }
        const keys = (ordering ?? 'title').split(',');
        keys.push(keys[keys.length - 1]!.startsWith('-') ? '-id' : 'id');
        const all = await db
          .query(Novel)
          .orderBy(...(keys as never[]))
          .all();
        expect(seen).toEqual(all.map((b) => b.id));
      }
    },
  );

  it.skipIf(skip)('walks the ordering index for a filter matching many rows (SQLite)', async () => {
    const filtered = defineCollection(Novel, { filters: { price: ['lt'] }, exactCountLimit: 5 });
    statements.length = 0;
    const page = await list(filtered, { 'price[lt]': 8 });
    const all = await db
      .query(Novel)
      .where({ price: { lt: 8 } })
      .orderBy('title', 'id')
      .limit(20)
      .all();
    expect(page.results.map((r) => r.id)).toEqual(all.map((r) => r.id));
    const select = statements.find((s) => s.includes('limit 21'))!;
    // PostgreSQL's planner weighs the ordering index itself; SQLite's takes the filter's.
    if (dialect === 'sqlite') expect(select).toContain('indexed by "novel_title_id_idx"');
    else expect(select).not.toContain('indexed by');
    statements.length = 0;
    await list(filtered, { 'price[lt]': 5 }); // no match: counted exactly, the planner's choice stands
    expect(statements.find((s) => s.includes('limit 21'))).not.toContain('indexed by');
  });

  it.skipIf(skip)('pages a big list with cursors from the first page', async () => {
    const big = defineCollection(Novel, { exactCountLimit: 10, pagination: { style: 'page', pageSize: 5 } });
    const first = await list(big);
    expect(first.next?.cursor).toMatch(/^n\./);
    const second = await list(big, first.next!);
    expect(second.previous?.cursor).toMatch(/^p\./);
    expect(second.results[0]!.title > first.results[4]!.title).toBe(true);
  });

  it.skipIf(skip)(
    'reads a deep keyset page with one range scan of the ordering index, no offset',
    async () => {
      const cursor = defineCollection(Novel, {
        ordering: ['price'],
        pagination: { style: 'cursor', pageSize: 3 },
      });
      let page = await list(cursor, { ordering: 'price' });
      for (let i = 0; i < 5; i += 1) page = await list(cursor, { ordering: 'price', ...page.next });
      statements.length = 0;
      await list(cursor, { ordering: 'price', ...page.next });
      const select = statements.find((s) => s.includes('from "novel"'))!;
      expect(select).not.toMatch(/offset/i);
      expect(select).toContain('("t0"."price", "t0"."id") >');
      for (const ordering of [['title'], ['-price', '-id']]) {
        const deep = await db
          .query(Novel)
          .orderBy(...(ordering as never[]))
          .page({ limit: 3 });
        statements.length = 0;
        parameters.length = 0;
        await db
          .query(Novel)
          .orderBy(...(ordering as never[]))
          .page({ limit: 3, after: deep.nextCursor });
        const index = ordering[0] === 'title' ? 'novel_title_id_idx' : 'novel_price_id_idx';
        const plan = await explain(statements[0]!, [...parameters[0]!]);
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/TEMP B-TREE|"Node Type": "Sort"/);
      }
    },
  );

  async function explain(text: string, params: unknown[]): Promise<string> {
    if (dialect === 'sqlite') {
      const result = await db.kysely.executeQuery(CompiledQuery.raw(`explain query plan ${text}`, params));
      return JSON.stringify(result.rows);
    }
    // Thirty rows fit one page, where a scan is cheapest: ask the plan a big table gets.
    return db.kysely.transaction().execute(async (tx) => {
      await tx.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
      const result = await tx.executeQuery(CompiledQuery.raw(`explain (format json) ${text}`, params));
      return JSON.stringify(result.rows);
    });
  }

  it.skipIf(skip)('searches substrings through the trigram index, kept in step with writes', async () => {
    const searched = defineCollection(Novel, {
      search: { fields: ['title', 'summary'], mode: 'contains' },
      pagination: { style: 'page', pageSize: 50 },
    });
    const words = defineCollection(Novel, {
      search: ['title', 'summary'],
      pagination: { style: 'page', pageSize: 50 },
    });
    for (const search of ['COBALT', 'obal 1', 'itle 2 ber', 'unnin', 'x y', 'zzz']) {
      const indexed = (await list(searched, { search })).results.map((r) => r.id);
      const scanned = (await list(words, { search })).results.map((r) => r.id);
      expect(indexed).toEqual(scanned);
    }
    expect((await list(searched, { search: 'cobalt' })).results).toHaveLength(6);
    const [row] = await db
      .query(Novel)
      .where({ title: { contains: 'cobalt' } })
      .limit(1)
      .all();
    await db.update(Novel, row!.id, { title: 'Renamed quartzite' });
    expect((await list(searched, { search: 'cobalt' })).results).toHaveLength(5);
    expect((await list(searched, { search: 'quartzit' })).results.map((r) => r.id)).toEqual([row!.id]);
    await db.delete(Novel, row!.id);
    expect((await list(searched, { search: 'quartzit' })).results).toEqual([]);
    if (dialect === 'postgres') {
      statements.length = 0;
      parameters.length = 0;
      await list(searched, { search: 'cobalt' });
      // The matches are read first (their count and the page come from them): that read is the index's.
      const at = statements.findIndex((s) => s.includes('basalt_matches'));
      const matches = /as materialized \((.*?)\) select /.exec(statements[at]!)![1]!;
      expect(await explain(matches, [...parameters[at]!])).toContain('novel_title_trgm_idx');
    } else {
      statements.length = 0;
      await list(searched, { search: 'cobalt' });
      expect(statements.some((s) => s.includes('"novel_search" match'))).toBe(true);
    }
  });

  it.skipIf(skip)(
    "reads a search's page and count from one capped set of matches; past the cap, the page in the ordering",
    async () => {
      const searched = defineCollection(Novel, {
        search: { fields: ['title', 'summary'], mode: 'contains' },
        ordering: ['title', 'price', 'publishedOn'],
        pagination: { style: 'page', pageSize: 4 },
        exactCountLimit: 20,
      });
      const matching = (word: string, keys: string[]) =>
        db
          .query(Novel)
          .where({ or: [{ title: { icontains: word } }, { summary: { icontains: word } }] } as never)
          .orderBy(...(keys as never[]))
          .all()
          .then((rows) => rows.map((r) => r.id));
      const ids = (page: { results: { id: number }[] }) => page.results.map((r) => r.id);
      statements.length = 0;
      // Six titles hold 'amber' (a test above renamed one holding 'cobalt'): one statement.
      const narrow = await list(searched, { search: 'amber', page: 2 });
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain('basalt_matches');
      expect([narrow.count, narrow.countIsEstimate, narrow.next]).toEqual([6, undefined, null]);
      expect(ids(narrow)).toEqual((await matching('amber', ['title', 'id'])).slice(4, 8));
      for (const ordering of ['-price', 'publishedOn', '-publishedOn,price']) {
        const keys = ordering.split(',');
        keys.push(keys[keys.length - 1]!.startsWith('-') ? '-id' : 'id');
        // 'amber' and 'ember': twelve titles.
        const page = await list(searched, { search: 'mber', ordering });
        const all = await matching('mber', keys);
        expect(ids(page), ordering).toEqual(all.slice(0, 4));
        expect([page.count, all.length > 4]).toEqual([all.length, true]);
      }
      statements.length = 0;
      const none = await list(searched, { search: 'zzz' });
      expect([none.results, none.count, statements.length]).toEqual([[], 0, 1]);
      // More matches than are counted: the page comes from the ordering, the count is an estimate.
      const wide = await list(searched, { search: 'title' });
      expect(ids(wide)).toEqual((await matching('title', ['title', 'id'])).slice(0, 4));
      expect([wide.countIsEstimate, wide.count! > 20]).toEqual([true, true]);
      // An empty page past the first is counted, for the 404's last page.
      await expect(list(searched, { search: 'amber', page: 3 })).rejects.toMatchObject({
        status: 404,
        message: expect.stringContaining('the last page is 2'),
      });
    },
  );

  it.skipIf(skip || dialect === 'sqlite')(
    'plans each search with its words: no search statement stays prepared on the connection',
    async () => {
      // The direct path (no query log) names statements; after five runs PostgreSQL plans a
      // named one without its values, and a trigram search then reads the common word's index.
      const [{ schema }] = (
        await db.kysely.executeQuery<{ schema: string }>(
          CompiledQuery.raw('select current_schema() as schema'),
        )
      ).rows as [{ schema: string }];
      const direct = createDatabase({
        url: POSTGRES_URL,
        models,
        searchPath: `${schema},public`,
        poolSize: 1,
      });
      try {
        const searched = defineCollection(Novel, {
          search: { fields: ['title', 'summary'], mode: 'contains' },
        });
        for (let i = 0; i < 7; i += 1)
          expect((await operations(direct).list(system, searched, { search: 'amber' })).count).toBe(6);
        await direct.get(Novel, 1);
        const prepared = (
          await direct.kysely.executeQuery<{ statement: string }>(
            CompiledQuery.raw('select statement from pg_prepared_statements'),
          )
        ).rows.map((r) => r.statement);
        expect(prepared.some((s) => s.includes('"novel"'))).toBe(true);
        expect(prepared.filter((s) => s.includes('ilike'))).toEqual([]);
      } finally {
        await direct.close();
      }
    },
  );

  it.skipIf(skip)('searches words by stem, most relevant first unless an ordering is asked for', async () => {
    const fresh = await open('fulltext');
    try {
      const writer = await fresh.database.create(Writer, { name: 'w' });
      await fresh.database.createMany(Novel, novels(writer.id));
      // One title and one summary mention rivers: the title (weighted higher) comes first.
      const inTitle = await fresh.database.create(Novel, {
        title: 'River run',
        price: 9,
        writerId: writer.id,
      });
      const fulltext = defineCollection(Novel, {
        search: { fields: ['title', 'summary'], mode: 'fulltext' },
        ordering: ['price'],
      });
      const ops = operations(fresh.database);
      const ranked = (await ops.list(system, fulltext, { search: 'rivers' })) as {
        results: { id: number }[];
      };
      expect(ranked.results.map((r) => r.id)).toEqual([inTitle.id, 8]);
      const stemmed = (await ops.list(system, fulltext, { search: 'runs' })) as { results: { id: number }[] };
      expect(stemmed.results.map((r) => r.id).sort((a, b) => a - b)).toEqual([8, inTitle.id]);
      const ordered = (await ops.list(system, fulltext, { search: 'rivers', ordering: 'price' })) as {
        results: { id: number }[];
      };
      expect(ordered.results.map((r) => r.id)).toEqual([8, inTitle.id]);
      expect(((await ops.list(system, fulltext, { search: 'basalt' })) as { count: number }).count).toBe(6);
      if (dialect === 'postgres') {
        // The condition repeats the index's weighted tsvector exactly: the GIN index serves it.
        statements.length = 0;
        parameters.length = 0;
        await ops.list(system, fulltext, { search: 'rivers' });
        const at = statements.findIndex((s) => s.includes('@@'));
        const plan = await fresh.database.kysely.transaction().execute(async (tx) => {
          await tx.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
          const result = await tx.executeQuery(
            CompiledQuery.raw(`explain (format json) ${statements[at]!}`, [...parameters[at]!]),
          );
          return JSON.stringify(result.rows);
        });
        expect(plan).toContain('novel_search_idx');
      }
    } finally {
      await fresh.close();
    }
  });
});
