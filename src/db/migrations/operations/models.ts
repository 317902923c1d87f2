import type { CheckMeta } from '../../meta.js';
import { snakeCase } from '../../meta.js';
import { call } from '../codegen.js';
import type { SchemaEditor } from '../editors/schema-editor.js';
import type { Operation } from '../operation.js';
import type { FieldSpec, IndexState, ModelState, ProjectState, UniqueState } from '../state.js';
import { fieldFromSpec, requireModel, specFromField } from '../state.js';
import { compactIndex } from './indexes.js';

/** How a migration file declares a new model. */
export interface CreateModelSpec {
  name: string;
  /** Defaults to the model name in snake_case. */
  table?: string;
  primaryKey?: 'integer' | 'uuid';
  fields: Record<string, FieldSpec>;
  indexes?: (Omit<IndexState, 'unique'> & { unique?: boolean })[];
  unique?: UniqueState[];
  checks?: CheckMeta[];
}

/** The state of a model declared by a {@link CreateModelSpec}. */
export function modelFromSpec(spec: CreateModelSpec): ModelState {
  const fields: ModelState['fields'] = {};
  for (const [name, f] of Object.entries(spec.fields)) fields[name] = fieldFromSpec(name, f);
  return {
    name: spec.name,
    table: spec.table ?? snakeCase(spec.name),
    primaryKey: spec.primaryKey ?? 'integer',
    fields,
    // In the key order of the state made from models, which the autodetector compares with.
    indexes: (spec.indexes ?? []).map((i) => ({
      name: i.name,
      fields: i.fields,
      unique: i.unique ?? false,
      ...(i.where ? { where: i.where } : {}),
    })),
    unique: spec.unique ?? [],
    checks: spec.checks ?? [],
  };
}

/** The compact spec of a model state (what `makemigrations` writes). */
export function specFromModel(model: ModelState): CreateModelSpec {
  const fields: Record<string, FieldSpec> = {};
  for (const f of Object.values(model.fields)) fields[f.name] = specFromField(f);
  return {
    name: model.name,
    table: model.table === snakeCase(model.name) ? undefined : model.table,
    primaryKey: model.primaryKey === 'integer' ? undefined : model.primaryKey,
    fields,
    indexes: model.indexes.length ? model.indexes.map(compactIndex) : undefined,
    unique: model.unique.length ? model.unique : undefined,
    checks: model.checks.length ? model.checks : undefined,
  } as CreateModelSpec;
}

/**
 * Creates a model's table with its fields, indexes and constraints.
 *
 * @example
 * createModel({ name: 'author', fields: { id: { kind: 'integer', primaryKey: true, autoIncrement: true }, name: { kind: 'string', max: 120 } } })
 */
export function createModel(spec: CreateModelSpec): Operation {
  const model = modelFromSpec(spec);
  return {
    type: 'createModel',
    reversible: true,
    describe: () => `Create model ${spec.name}`,
    applyState(state) {
      if (state.models[spec.name]) throw new Error(`Model '${spec.name}' already exists`);
      state.models[spec.name] = structuredClone(model);
    },
    forwards(editor: SchemaEditor, _from, to) {
      editor.createModel(requireModel(to, spec.name), to);
    },
    backwards(editor, from) {
      editor.deleteModel(requireModel(from, spec.name));
    },
    toCode: () => call('createModel', [specFromModel(model)]),
  };
}

/** Drops a model's table (reversible: the state before knows its definition; the rows are gone). */
export function deleteModel(name: string): Operation {
  return {
    type: 'deleteModel',
    reversible: true,
    describe: () => `Delete model ${name}`,
    applyState(state) {
      requireModel(state, name);
      delete state.models[name];
    },
    forwards(editor, from) {
      editor.deleteModel(requireModel(from, name));
    },
    backwards(editor, _from, to) {
      editor.createModel(requireModel(to, name), to);
    },
    toCode: () => call('deleteModel', [name]),
  };
}

function renameInState(state: ProjectState, from: string, to: string, table: string): void {
  const model = requireModel(state, from);
  if (from !== to && state.models[to]) throw new Error(`Model '${to}' already exists`);
  const models: Record<string, ModelState> = {};
  for (const [key, m] of Object.entries(state.models)) {
    if (key === from) models[to] = { ...model, name: to, table };
    else models[key] = m;
  }
  for (const m of Object.values(models))
    for (const f of Object.values(m.fields)) if (f.target === from) f.target = to;
  state.models = models;
}

/** Renames a model and, unless `options.table` says otherwise, its table (`snake_case` of the new name). */
export function renameModel(from: string, to: string, options: { table?: string } = {}): Operation {
  const table = options.table ?? snakeCase(to);
  return {
    type: 'renameModel',
    reversible: true,
    describe: () => (from === to ? `Rename table of ${from} to ${table}` : `Rename model ${from} to ${to}`),
    applyState(state) {
      renameInState(state, from, to, table);
    },
    forwards(editor, before, after) {
      editor.renameModel(requireModel(before, from), requireModel(after, to), after);
    },
    backwards(editor, after, before) {
      editor.renameModel(requireModel(after, to), requireModel(before, from), before);
    },
    toCode: () => call('renameModel', options.table ? [from, to, { table }] : [from, to]),
  };
}
