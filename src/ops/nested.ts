import { type FieldError, ValidationError } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import { validateWrite } from '../db/internal.js';
import type { CollectionRuntime } from './collection.js';
import type { NestedPlan } from './plan.js';

type Row = Record<string, unknown>;

/** The children a write carries, by relation, taken out of the parent's data. */
export type Children = Map<NestedPlan, Row[]>;

function fail(errors: FieldError[], label: string): never {
  throw new ValidationError(errors, `Invalid ${label}`);
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the children a write carries before any hook or write runs: the list, each child's
 * fields (as the child model validates them), that the rows they point at exist and that no
 * two children collide on a unique constraint of the child model. Every error points into
 * its child (`/lines/2/quantity`); nothing is written when there is one.
 */
export async function checkChildren(
  rt: CollectionRuntime,
  db: Executor,
  data: Row,
  creating: boolean,
): Promise<void> {
  const errors: FieldError[] = [];
  for (const plan of rt.plan.nested) {
    const value = data[plan.name];
    if (value === undefined) {
      if (creating && plan.min > 0)
        errors.push({ pointer: `/${plan.name}`, detail: `Give at least ${plan.min}.`, code: 'required' });
      continue;
    }
    if (!Array.isArray(value)) {
      errors.push({ pointer: `/${plan.name}`, detail: 'Must be a list.', code: 'invalid' });
      continue;
    }
    if (value.length < plan.min || value.length > plan.max) {
      errors.push({
        pointer: `/${plan.name}`,
        detail: value.length < plan.min ? `Give at least ${plan.min}.` : `Give at most ${plan.max}.`,
        code: value.length < plan.min ? 'min_items' : 'max_items',
      });
      continue;
    }
    await checkList(plan, db, value, creating, errors);
  }
  if (errors.length > 0) fail(errors, rt.model.meta.label);
}

async function checkList(
  plan: NestedPlan,
  db: Executor,
  list: unknown[],
  creating: boolean,
  errors: FieldError[],
): Promise<void> {
  const at = (i: number, field?: string) => `/${plan.name}/${i}${field === undefined ? '' : `/${field}`}`;
  const allowed = new Set(plan.fields);
  const good: (Row | undefined)[] = list.map((child, i) => {
    if (!isRow(child)) {
      errors.push({ pointer: at(i), detail: 'Must be an object.', code: 'invalid' });
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(child)) {
      if (allowed.has(key) || (key === 'id' && !creating)) continue;
      errors.push({ pointer: at(i, key), detail: 'is not a field you can set', code: 'unknown' });
      ok = false;
    }
    if (child.id === undefined)
      for (const field of plan.required)
        if (child[field] === undefined) {
          errors.push({ pointer: at(i, field), detail: 'This field is required.', code: 'required' });
          ok = false;
        }
    const { id: _id, ...fields } = child;
    try {
      validateWrite(db, plan.model, fields, true);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const e of error.errors ?? []) errors.push({ ...e, pointer: `/${plan.name}/${i}${e.pointer}` });
      ok = false;
    }
    return ok ? child : undefined;
  });
  await checkTargets(plan, db, good, at, errors);
  checkUnique(plan, good, at, errors);
}

/** The rows the children point at exist (one query per related model). */
async function checkTargets(
  plan: NestedPlan,
  db: Executor,
  children: (Row | undefined)[],
  at: (i: number, field?: string) => string,
  errors: FieldError[],
): Promise<void> {
  for (const field of Object.values(plan.model.meta.fields)) {
    if (field.kind !== 'belongsTo' || !field.attribute || !plan.fields.includes(field.attribute)) continue;
    const attribute = field.attribute;
    const wanted = new Set<unknown>();
    for (const child of children) {
      const value = child?.[attribute];
      if (value !== undefined && value !== null) wanted.add(value);
    }
    if (wanted.size === 0) continue;
    const target = relatedModel(plan.model, field.name);
    // A target named by another model's name is left to the foreign key at insert.
    if (target === undefined) continue;
    const found = new Set(
      (
        (await db
          .query(target)
          .where({ id: { in: [...wanted] } } as never)
          .select('id' as never)
          .all()) as Row[]
      ).map((r) => String(r.id)),
    );
    children.forEach((child, i) => {
      const value = child?.[attribute];
      if (value !== undefined && value !== null && !found.has(String(value)))
        errors.push({
          pointer: at(i, attribute),
          detail: `No ${target.meta.label.toLowerCase()} with id ${JSON.stringify(value)}.`,
          code: 'does_not_exist',
        });
    });
  }
}

/** The model a belongsTo points at: its thunk's, or the model itself when it names itself. */
function relatedModel(model: AnyModel, name: string): AnyModel | undefined {
  const ref = model.fields[name]?.config.target;
  if (typeof ref === 'function') return ref() as AnyModel;
  return ref === model.name ? model : undefined;
}

/** Two children of one parent may not collide on a unique constraint that includes the parent's key. */
function checkUnique(
  plan: NestedPlan,
  children: (Row | undefined)[],
  at: (i: number, field?: string) => string,
  errors: FieldError[],
): void {
  const meta = plan.model.meta;
  const attr = (name: string) => meta.fields[name]?.attribute ?? name;
  const sets: string[][] = meta.unique.map((u) => u.fields.map(attr));
  for (const field of Object.values(meta.fields))
    if (field.unique && field.attribute && !field.primaryKey) sets.push([field.attribute]);
  for (const set of sets) {
    const own = set.filter((a) => a !== plan.parentKey);
    if (own.length === 0 || !own.every((a) => plan.fields.includes(a))) continue;
    const seen = new Map<string, number>();
    children.forEach((child, i) => {
      if (!child || own.some((a) => child[a] === undefined || child[a] === null)) return;
      const key = JSON.stringify(own.map((a) => child[a]));
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        errors.push({
          pointer: at(i, own[own.length - 1]),
          detail: `The same as item ${first}: each ${own.join(' and ')} at most once.`,
          code: 'duplicate',
        });
    });
  }
}

/** Takes the children out of a write's data (after its hooks ran), leaving the parent's fields. */
export function takeChildren(rt: CollectionRuntime, data: Row): Children | undefined {
  let children: Children | undefined;
  for (const plan of rt.plan.nested) {
    const list = data[plan.name];
    if (list === undefined) continue;
    delete data[plan.name];
    children ??= new Map();
    children.set(plan, list as Row[]);
  }
  return children;
}

/** Whether a write's data carries children. */
export function hasChildren(rt: CollectionRuntime, data: Row): boolean {
  for (const plan of rt.plan.nested) if (data[plan.name] !== undefined) return true;
  return false;
}

function prefixed(error: unknown, prefix: string): unknown {
  if (error instanceof ValidationError)
    for (const e of error.errors ?? [])
      if (!e.pointer.startsWith(prefix)) e.pointer = `${prefix}${e.pointer}`;
  return error;
}

/**
 * Writes the children of a created or updated parent in its transaction and shows them on
 * it (`parent.lines`). On create every child is new; on update the list replaces the set:
 * a child with `id` is changed (it must be one of this parent's), one without is added,
 * one left out is deleted.
 */
export async function writeChildren(
  db: Executor,
  parent: Row,
  children: Children,
  creating: boolean,
): Promise<void> {
  for (const [plan, list] of children) {
    const key = { [plan.parentKey]: parent.id };
    const existing = creating
      ? new Map<string, Row>()
      : new Map(
          (
            (await db
              .query(plan.model)
              .where(key as never)
              .all()) as Row[]
          ).map((r) => [String(r.id), r]),
        );
    const errors: FieldError[] = [];
    const kept = new Set<string>();
    list.forEach((child, i) => {
      if (child.id === undefined) return;
      const id = String(child.id);
      if (!existing.has(id))
        errors.push({
          pointer: `/${plan.name}/${i}/id`,
          detail: `Not one of this ${plan.include.model.meta.label.toLowerCase()}'s ${plan.name}.`,
          code: 'does_not_exist',
        });
      kept.add(id);
    });
    // The new children, validated whole now that hooks ran and the parent has its key.
    const added: { index: number; data: Row }[] = [];
    list.forEach((child, index) => {
      if (child.id !== undefined) return;
      const data = { ...child, ...key };
      try {
        validateWrite(db, plan.model, data, false);
        added.push({ index, data });
      } catch (error) {
        throw prefixed(error, `/${plan.name}/${index}`);
      }
    });
    if (errors.length > 0) fail(errors, plan.model.meta.label);
    const gone = [...existing.keys()].filter((id) => !kept.has(id));
    if (gone.length > 0)
      await db.deleteMany(plan.model, {
        ...key,
        id: { in: gone.map((id) => existing.get(id)!.id) },
      } as never);
    const rows: Row[] = [];
    for (const [i, child] of list.entries()) {
      if (child.id === undefined) continue;
      const { id, ...fields } = child;
      try {
        rows[i] = (await db.update(
          plan.model,
          existing.get(String(id))!.id as never,
          fields as never,
        )) as Row;
      } catch (error) {
        throw prefixed(error, `/${plan.name}/${i}`);
      }
    }
    if (added.length > 0) {
      const created = (await db.createMany(plan.model, added.map((a) => a.data) as never)) as Row[];
      added.forEach((a, n) => {
        rows[a.index] = created[n]!;
      });
    }
    parent[plan.name] = rows;
  }
}
