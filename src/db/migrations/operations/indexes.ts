import { call } from '../codegen.js';
import type { Operation } from '../operation.js';
import type { IndexState } from '../state.js';
import { requireModel } from '../state.js';

/**
 * Creates an index over one or more fields (`unique: true` for a unique index; `where`: a
 * partial index over the rows matching that SQL expression).
 */
export function addIndex(
  model: string,
  index: { name: string; fields: string[]; unique?: boolean; where?: string },
): Operation {
  const ix: IndexState = {
    name: index.name,
    fields: [...index.fields],
    unique: index.unique ?? false,
    ...(index.where ? { where: index.where } : {}),
  };
  return {
    type: 'addIndex',
    reversible: true,
    describe: () =>
      `Create index ${ix.name} on ${model} (${ix.fields.join(', ')})${ix.where ? ` where ${ix.where}` : ''}`,
    applyState(state) {
      const m = requireModel(state, model);
      if (m.indexes.some((i) => i.name === ix.name)) throw new Error(`Index '${ix.name}' already exists`);
      m.indexes.push(structuredClone(ix));
    },
    forwards(editor, _from, to) {
      editor.addIndex(requireModel(to, model), ix);
    },
    backwards(editor, from) {
      editor.removeIndex(requireModel(from, model), ix);
    },
    toCode: () => call('addIndex', [model, compactIndex(ix)]),
  };
}

/** An index as a migration file writes it: `unique` only when true, `where` only when set. */
export function compactIndex(ix: IndexState): Omit<IndexState, 'unique'> & { unique?: boolean } {
  return {
    name: ix.name,
    fields: ix.fields,
    ...(ix.unique ? { unique: true } : {}),
    ...(ix.where ? { where: ix.where } : {}),
  };
}

/** Drops an index by name (reversible: the state before knows its fields). */
export function removeIndex(model: string, name: string): Operation {
  const find = (indexes: IndexState[]) => {
    const ix = indexes.find((i) => i.name === name);
    if (!ix) throw new Error(`Model '${model}' has no index '${name}'`);
    return ix;
  };
  return {
    type: 'removeIndex',
    reversible: true,
    describe: () => `Remove index ${name} from ${model}`,
    applyState(state) {
      const m = requireModel(state, model);
      find(m.indexes);
      m.indexes = m.indexes.filter((i) => i.name !== name);
    },
    forwards(editor, from) {
      const m = requireModel(from, model);
      editor.removeIndex(m, find(m.indexes));
    },
    backwards(editor, _after, before) {
      const m = requireModel(before, model);
      editor.addIndex(m, find(m.indexes));
    },
    toCode: () => call('removeIndex', [model, name]),
  };
}
