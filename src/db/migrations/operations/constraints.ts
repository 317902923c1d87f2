import { call } from '../codegen.js';
import type { SchemaEditor } from '../editors/schema-editor.js';
import type { Operation } from '../operation.js';
import type { ModelState, ProjectState } from '../state.js';
import { requireModel } from '../state.js';

/** A constraint a migration adds: unique-together (`fields`) or check (`check`, a SQL expression). */
export type ConstraintSpec =
  | { type: 'unique'; name: string; fields: string[] }
  | { type: 'check'; name: string; check: string };

function has(m: ModelState, name: string): boolean {
  return m.unique.some((u) => u.name === name) || m.checks.some((c) => c.name === name);
}

function add(m: ModelState, c: ConstraintSpec): void {
  if (has(m, c.name)) throw new Error(`Model '${m.name}' already has a constraint '${c.name}'`);
  if (c.type === 'unique') m.unique.push({ name: c.name, fields: [...c.fields] });
  else m.checks.push({ name: c.name, sql: c.check });
}

function find(m: ModelState, name: string): ConstraintSpec {
  const u = m.unique.find((x) => x.name === name);
  if (u) return { type: 'unique', name, fields: u.fields };
  const c = m.checks.find((x) => x.name === name);
  if (c) return { type: 'check', name, check: c.sql };
  throw new Error(`Model '${m.name}' has no constraint '${name}'`);
}

function emitAdd(
  editor: SchemaEditor,
  model: string,
  c: ConstraintSpec,
  before: ProjectState,
  after: ProjectState,
): void {
  const from = requireModel(before, model);
  const to = requireModel(after, model);
  if (c.type === 'unique') editor.addUnique(from, to, { name: c.name, fields: c.fields }, after);
  else editor.addCheck(from, to, { name: c.name, sql: c.check }, after);
}

function emitRemove(
  editor: SchemaEditor,
  model: string,
  c: ConstraintSpec,
  before: ProjectState,
  after: ProjectState,
): void {
  const from = requireModel(before, model);
  const to = requireModel(after, model);
  if (c.type === 'unique') editor.removeUnique(from, to, { name: c.name, fields: c.fields }, after);
  else editor.removeCheck(from, to, { name: c.name, sql: c.check }, after);
}

/**
 * Adds a unique-together or check constraint.
 *
 * @example
 * addConstraint('book', { type: 'unique', name: 'book_author_title_uniq', fields: ['author', 'title'] })
 */
export function addConstraint(model: string, constraint: ConstraintSpec): Operation {
  return {
    type: 'addConstraint',
    reversible: true,
    describe: () => `Add constraint ${constraint.name} to ${model}`,
    applyState(state) {
      add(requireModel(state, model), constraint);
    },
    forwards(editor, from, to) {
      emitAdd(editor, model, constraint, from, to);
    },
    backwards(editor, after, before) {
      emitRemove(editor, model, constraint, after, before);
    },
    toCode: () => call('addConstraint', [model, constraint]),
  };
}

/** Drops a constraint by name (reversible: the state before knows it). */
export function removeConstraint(model: string, name: string): Operation {
  return {
    type: 'removeConstraint',
    reversible: true,
    describe: () => `Remove constraint ${name} from ${model}`,
    applyState(state) {
      const m = requireModel(state, model);
      find(m, name);
      m.unique = m.unique.filter((u) => u.name !== name);
      m.checks = m.checks.filter((c) => c.name !== name);
    },
    forwards(editor, from, to) {
      emitRemove(editor, model, find(requireModel(from, model), name), from, to);
    },
    backwards(editor, after, before) {
      emitAdd(editor, model, find(requireModel(before, model), name), after, before);
    },
    toCode: () => call('removeConstraint', [model, name]),
  };
}
