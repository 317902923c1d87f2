import { createSearchSql, dropSearchSql, type SearchMode, type SearchTarget } from '../../query/search.js';
import { call } from '../codegen.js';
import type { Operation } from '../operation.js';
import { columnsOf, type ModelState, requireModel, type SearchIndexState } from '../state.js';

/** Options of {@link searchIndex}: the collection's `search` (fields and mode). */
export interface SearchIndexOptions {
  /** Text fields, as the collection's `search.fields` lists them (for `fulltext`, by decreasing weight). */
  fields: string[];
  mode: SearchMode;
  /** PostgreSQL text search configuration of `fulltext` (default `'english'`). */
  language?: string;
}

/** The search index of a model state as SQL targets it. */
export function searchTarget(model: ModelState, search: SearchIndexState): SearchTarget {
  return {
    table: model.table,
    columns: columnsOf(model, search.fields),
    mode: search.mode,
    language: search.language,
  };
}

/**
 * Creates the index a collection's `search: { fields, mode }` is served by. PostgreSQL:
 * `contains` enables `pg_trgm` and makes a trigram GIN index per field, `fulltext` one GIN
 * index over the weighted `tsvector` of the fields. SQLite: an FTS5 table (`<table>_search`,
 * trigram tokenizer for `contains`, porter stemming for `fulltext`) over the model's table,
 * filled now and kept in step by triggers. One per model; reversible.
 *
 * @example
 * searchIndex('book', { fields: ['title', 'isbn'], mode: 'contains' })
 */
export function searchIndex(model: string, options: SearchIndexOptions): Operation {
  const search: SearchIndexState = {
    fields: [...options.fields],
    mode: options.mode,
    language: options.language ?? 'english',
  };
  if (search.mode !== 'contains' && search.mode !== 'fulltext')
    throw new TypeError(`searchIndex('${model}'): mode must be 'contains' or 'fulltext'`);
  if (!/^[a-z_]+$/.test(search.language))
    throw new TypeError(
      `searchIndex('${model}'): '${search.language}' is not a text search configuration name`,
    );
  return {
    type: 'searchIndex',
    reversible: true,
    describe: () => `Create ${search.mode} search index on ${model} (${search.fields.join(', ')})`,
    applyState(state) {
      const m = requireModel(state, model);
      if (m.search) throw new Error(`Model '${model}' already has a search index`);
      columnsOf(m, search.fields);
      m.search = structuredClone(search);
    },
    forwards(editor, _from, to) {
      for (const s of createSearchSql(editor.dialect, searchTarget(requireModel(to, model), search)))
        editor.execute(s);
    },
    backwards(editor, from) {
      for (const s of dropSearchSql(editor.dialect, searchTarget(requireModel(from, model), search)))
        editor.execute(s);
    },
    toCode: () =>
      call('searchIndex', [
        model,
        {
          fields: search.fields,
          mode: search.mode,
          ...(search.language === 'english' ? {} : { language: search.language }),
        },
      ]),
  };
}

/** Drops a model's search index (reversible: the state before knows it). */
export function removeSearchIndex(model: string): Operation {
  const find = (m: ModelState) => {
    if (!m.search) throw new Error(`Model '${model}' has no search index`);
    return m.search;
  };
  return {
    type: 'removeSearchIndex',
    reversible: true,
    describe: () => `Remove search index from ${model}`,
    applyState(state) {
      const m = requireModel(state, model);
      find(m);
      delete m.search;
    },
    forwards(editor, from) {
      const m = requireModel(from, model);
      for (const s of dropSearchSql(editor.dialect, searchTarget(m, find(m)))) editor.execute(s);
    },
    backwards(editor, _after, before) {
      const m = requireModel(before, model);
      for (const s of createSearchSql(editor.dialect, searchTarget(m, find(m)))) editor.execute(s);
    },
    toCode: () => call('removeSearchIndex', [model]),
  };
}
