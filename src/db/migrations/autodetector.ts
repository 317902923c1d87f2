import { snakeCase } from '../meta.js';
import type { Operation } from './operation.js';
import { addConstraint, removeConstraint } from './operations/constraints.js';
import { addField, alterField, removeField, renameField } from './operations/fields.js';
import { addIndex, removeIndex } from './operations/indexes.js';
import { createModel, deleteModel, renameModel, specFromModel } from './operations/models.js';
import { removeSearchIndex, searchIndex } from './operations/search.js';
import type { ModelState, ProjectState } from './state.js';
import { cloneState, sameDefinition, sameField, specFromField } from './state.js';

/** How the autodetector learns about renames. */
export interface RenameOptions {
  /** `{ 'book.name': 'title' }`: the field `book.name` became `book.title`. */
  fields?: Record<string, string>;
  /** `{ author: 'writer' }`. */
  models?: Record<string, string>;
  /** Asked for each candidate rename (same definition, new name); a refusal means remove + add. */
  ask?: (question: string) => Promise<boolean>;
  /**
   * Asked for a one-off value for the rows already there when a NOT NULL field without a default
   * is added to an existing model; `undefined` leaves the migration without one.
   */
  askFill?: (model: string, field: string) => Promise<unknown>;
  /** Told about what the migration cannot do by itself. */
  warn?: (message: string) => void;
}

function now(kind: string): string | undefined {
  const iso = new Date().toISOString();
  if (kind === 'datetime') return iso;
  if (kind === 'date') return iso.slice(0, 10);
  if (kind === 'time') return iso.slice(11, 19);
  return undefined;
}

function sameModel(a: ModelState, b: ModelState): boolean {
  const fa = Object.values(a.fields);
  const fb = Object.values(b.fields);
  return fa.length === fb.length && fa.every((f) => b.fields[f.name] && sameField(f, b.fields[f.name]!));
}

function creationOrder(models: ModelState[]): ModelState[] {
  const names = new Set(models.map((m) => m.name));
  const done = new Set<string>();
  const out: ModelState[] = [];
  const visit = (m: ModelState, path: Set<string>) => {
    if (done.has(m.name) || path.has(m.name)) return;
    path.add(m.name);
    for (const f of Object.values(m.fields)) {
      const target =
        f.target && f.target !== m.name && names.has(f.target)
          ? models.find((x) => x.name === f.target)
          : undefined;
      if (target) visit(target, path);
    }
    done.add(m.name);
    out.push(m);
  };
  for (const m of models) visit(m, new Set());
  return out;
}

const key = (c: { name: string }) => c.name;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compares the state of the migration history with the state of the models and returns the
 * operations that turn one into the other, in an order the database accepts.
 */
export async function detectChanges(
  from: ProjectState,
  to: ProjectState,
  renames: RenameOptions = {},
): Promise<Operation[]> {
  const ops: Operation[] = [];
  const current = cloneState(from);
  const push = (op: Operation) => {
    op.applyState(current);
    ops.push(op);
  };
  const ask = renames.ask ?? (async () => false);
  const used = new Set<string>();

  // Renamed models.
  const added = () => Object.keys(to.models).filter((n) => !current.models[n]);
  const removed = () => Object.keys(current.models).filter((n) => !to.models[n]);
  for (const old of removed()) {
    const given = renames.models?.[old];
    let target = given && to.models[given] && !current.models[given] ? given : undefined;
    if (target) used.add(`model:${old}`);
    if (!target) {
      for (const candidate of added()) {
        if (!sameModel(current.models[old]!, to.models[candidate]!)) continue;
        if (await ask(`Did you rename the model ${old} to ${candidate}? [y/N]`)) {
          target = candidate;
          break;
        }
      }
    }
    if (!target) continue;
    const table = to.models[target]!.table;
    push(renameModel(old, target, table === snakeCase(target) ? {} : { table }));
  }

  // New models, targets of foreign keys first.
  const created = new Set(added());
  for (const m of creationOrder(added().map((n) => to.models[n]!))) {
    push(createModel(specFromModel(m)));
    if (m.search) push(searchIndex(m.name, m.search));
  }

  for (const name of Object.keys(to.models)) {
    const before = current.models[name];
    const after = to.models[name]!;
    if (!before || created.has(name)) continue;
    // A search index covers fields: it goes before they change, and comes back after.
    if (before.search && !same(before.search, after.search)) push(removeSearchIndex(name));
    if (before.table !== after.table) push(renameModel(name, name, { table: after.table }));
    // Indexes and constraints that go away or change, before the fields they cover change.
    for (const ix of before.indexes) {
      const next = after.indexes.find((i) => i.name === ix.name);
      if (!next || !same(next, ix)) push(removeIndex(name, ix.name));
    }
    for (const u of before.unique) {
      const next = after.unique.find((x) => x.name === u.name);
      if (!next || !same(next, u)) push(removeConstraint(name, u.name));
    }
    for (const c of before.checks) {
      const next = after.checks.find((x) => x.name === c.name);
      if (!next || !same(next, c)) push(removeConstraint(name, c.name));
    }
    // Renamed fields.
    const m = () => current.models[name]!;
    for (const old of Object.keys(m().fields).filter((f) => !after.fields[f])) {
      const given = renames.fields?.[`${name}.${old}`];
      let target = given && after.fields[given] && !m().fields[given] ? given : undefined;
      if (target) used.add(`field:${name}.${old}`);
      if (!target) {
        for (const candidate of Object.keys(after.fields).filter((f) => !m().fields[f])) {
          if (!sameDefinition(m().fields[old]!, after.fields[candidate]!)) continue;
          if (await ask(`Did you rename ${name}.${old} to ${name}.${candidate}? [y/N]`)) {
            target = candidate;
            break;
          }
        }
      }
      if (!target) continue;
      const probe = cloneState(current);
      renameField(name, old, target).applyState(probe);
      const column = after.fields[target]!.column;
      push(
        renameField(
          name,
          old,
          target,
          probe.models[name]!.fields[target]!.column === column ? {} : { column },
        ),
      );
    }
    for (const f of Object.keys(m().fields).filter((f) => !after.fields[f])) push(removeField(name, f));
    for (const f of Object.values(after.fields)) {
      const old = m().fields[f.name];
      if (old) {
        if (!sameField(old, f)) push(alterField(name, f.name, specFromField(f)));
        continue;
      }
      if (f.nullable || f.default || f.primaryKey) {
        push(addField(name, f.name, specFromField(f)));
        continue;
      }
      const fill = now(f.kind) ?? (await renames.askFill?.(name, f.name));
      if (fill === undefined)
        renames.warn?.(
          `${name}.${f.name} is NOT NULL without a default: give addField a { fill } value if the table holds rows`,
        );
      push(addField(name, f.name, specFromField(f), fill === undefined ? {} : { fill }));
    }
    for (const ix of after.indexes)
      if (!m().indexes.some((i) => key(i) === ix.name)) push(addIndex(name, ix));
    for (const u of after.unique)
      if (!m().unique.some((x) => key(x) === u.name)) push(addConstraint(name, { type: 'unique', ...u }));
    for (const c of after.checks)
      if (!m().checks.some((x) => key(x) === c.name))
        push(addConstraint(name, { type: 'check', name: c.name, check: c.sql }));
    if (after.search && !same(m().search, after.search)) push(searchIndex(name, after.search));
  }

  // Deleted models, the ones pointing at others first.
  for (const m of creationOrder(removed().map((n) => current.models[n]!)).reverse())
    push(deleteModel(m.name));
  for (const [from, to] of Object.entries(renames.models ?? {}))
    if (!used.has(`model:${from}`))
      renames.warn?.(`--rename-model ${from}=${to} matches no removed and added model`);
  for (const [from, to] of Object.entries(renames.fields ?? {}))
    if (!used.has(`field:${from}`))
      renames.warn?.(`--rename ${from}=${to} matches no removed and added field`);
  return ops;
}
