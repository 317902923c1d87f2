import { call } from '../codegen.js';
import type { Operation } from '../operation.js';
import type { FieldSpec, FieldState, ModelState, ProjectState } from '../state.js';
import { fieldFromSpec, requireField, requireModel } from '../state.js';

function defaultColumn(name: string, kind: FieldState['kind']): string {
  return fieldFromSpec(name, { kind }).column;
}

/** Options of {@link addField}. */
export interface AddFieldOptions {
  /** A one-off value for the rows already in the table (a NOT NULL field without a default). */
  fill?: unknown;
}

/**
 * Adds a field (a column). A field with a default fills the rows already in the table; a NOT NULL
 * field without one needs `fill` when the table holds rows.
 *
 * @example
 * addField('book', 'isbn', { kind: 'string', max: 13, nullable: true })
 * addField('book', 'isbn', { kind: 'string', max: 13 }, { fill: 'unknown' })
 */
export function addField(
  model: string,
  name: string,
  spec: FieldSpec,
  options: AddFieldOptions = {},
): Operation {
  const fill = options.fill === undefined ? undefined : { value: options.fill };
  const field = fieldFromSpec(name, spec);
  return {
    type: 'addField',
    reversible: true,
    describe: () => `Add field ${name} to ${model}`,
    applyState(state) {
      const m = requireModel(state, model);
      if (m.fields[name]) throw new Error(`Field '${model}.${name}' already exists`);
      m.fields[name] = structuredClone(field);
    },
    forwards(editor, from, to) {
      editor.addField(requireModel(from, model), requireModel(to, model), field, to, fill);
    },
    backwards(editor, after, before) {
      editor.removeField(requireModel(after, model), requireModel(before, model), field, before);
    },
    toCode: () => call('addField', fill ? [model, name, spec, { fill: fill.value }] : [model, name, spec]),
  };
}

/** Removes a field; reversible because the state before knows its definition (the values are gone). */
export function removeField(model: string, name: string): Operation {
  return {
    type: 'removeField',
    reversible: true,
    describe: () => `Remove field ${name} from ${model}`,
    applyState(state) {
      requireField(state, model, name);
      delete requireModel(state, model).fields[name];
    },
    forwards(editor, from, to) {
      editor.removeField(
        requireModel(from, model),
        requireModel(to, model),
        requireField(from, model, name),
        to,
      );
    },
    backwards(editor, after, before) {
      editor.addField(
        requireModel(after, model),
        requireModel(before, model),
        requireField(before, model, name),
        before,
      );
    },
    toCode: () => call('removeField', [model, name]),
  };
}

/**
 * Changes a field's definition (type, length, nullability, default, unique, index, choices, target).
 * The values are converted by the database (`USING col::type` on PostgreSQL, a copy on SQLite).
 */
export function alterField(model: string, name: string, spec: FieldSpec): Operation {
  const field = fieldFromSpec(name, spec);
  return {
    type: 'alterField',
    reversible: true,
    describe: () => `Alter field ${name} on ${model}`,
    applyState(state) {
      requireField(state, model, name);
      requireModel(state, model).fields[name] = structuredClone(field);
    },
    forwards(editor, from, to) {
      const old = requireField(from, model, name);
      editor.alterField(requireModel(from, model), requireModel(to, model), old, field, to);
    },
    backwards(editor, after, before) {
      const old = requireField(before, model, name);
      editor.alterField(requireModel(after, model), requireModel(before, model), field, old, before);
    },
    toCode: () => call('alterField', [model, name, spec]),
  };
}

function renameIn(m: ModelState, from: string, to: string, column: string | undefined): void {
  const fields: ModelState['fields'] = {};
  for (const [key, f] of Object.entries(m.fields)) {
    if (key !== from) {
      fields[key] = f;
      continue;
    }
    const keepColumn = f.column !== defaultColumn(from, f.kind);
    fields[to] = { ...f, name: to, column: column ?? (keepColumn ? f.column : defaultColumn(to, f.kind)) };
  }
  m.fields = fields;
  const swap = (names: string[]) => names.map((n) => (n === from ? to : n));
  for (const i of m.indexes) i.fields = swap(i.fields);
  for (const u of m.unique) u.fields = swap(u.fields);
}

/** Renames a field and its column, keeping the values. */
export function renameField(
  model: string,
  from: string,
  to: string,
  options: { column?: string } = {},
): Operation {
  const apply = (state: ProjectState, a: string, b: string, column?: string) => {
    if (requireModel(state, model).fields[b]) throw new Error(`Field '${model}.${b}' already exists`);
    requireField(state, model, a);
    renameIn(requireModel(state, model), a, b, column);
  };
  return {
    type: 'renameField',
    reversible: true,
    describe: () => `Rename field ${from} on ${model} to ${to}`,
    applyState(state) {
      apply(state, from, to, options.column);
    },
    forwards(editor, before, after) {
      const old = requireField(before, model, from);
      const next = requireField(after, model, to);
      editor.alterField(requireModel(before, model), requireModel(after, model), old, next, after);
    },
    backwards(editor, after, before) {
      const old = requireField(after, model, to);
      const next = requireField(before, model, from);
      editor.alterField(requireModel(after, model), requireModel(before, model), old, next, before);
    },
    toCode: () => call('renameField', options.column ? [model, from, to, options] : [model, from, to]),
  };
}
