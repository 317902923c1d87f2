import type { TSchema } from '@sinclair/typebox';
import { BasaltError } from '../core/index.js';
import type { AnyModel } from '../db/index.js';
import type {
  CollectionOptions,
  ComputedField,
  FieldRule,
  IncludeOptions,
  NestedOptions,
} from './options.js';

/** A relation a client may include, resolved at definition time. */
export interface IncludePlan {
  /** Full path: `author`, `reviews.customer`. */
  path: string;
  /** Last segment: the key the related objects appear under. */
  name: string;
  model: AnyModel;
  many: boolean;
  nullable: boolean;
  /** Fields of the related objects shown. */
  fields: string[];
  /** Included relations of the related objects (`reviews.customer` under `reviews`). */
  children: IncludePlan[];
}

/** What a collection shows and accepts, resolved once from the model and the options. */
export interface FieldPlan {
  model: AnyModel;
  /** Attributes shown, `id` first. */
  readable: string[];
  /** Attributes accepted in bodies. */
  writable: string[];
  /** Attributes a create (and PUT) must carry. */
  required: string[];
  computed: Readonly<Record<string, ComputedField<AnyModel>>>;
  readRules: Map<string, FieldRule>;
  writeRules: Map<string, FieldRule>;
  /** Top-level includes. */
  includes: IncludePlan[];
  /** Every include by path. */
  includeByPath: Map<string, IncludePlan>;
  /** Has-many relations written with the parent. */
  nested: NestedPlan[];
}

/** A has-many relation written with its parent, resolved at definition time. */
export interface NestedPlan {
  /** The relation's name: the key of the children in a body and in the answer. */
  name: string;
  model: AnyModel;
  /** Attribute of the child holding the parent's key (`orderId`). */
  parentKey: string;
  /** Attributes a caller may set on a child. */
  fields: string[];
  /** Attributes a new child must carry (unless a hook sets them). */
  required: string[];
  min: number;
  max: number;
  /** How the children are shown with the parent. */
  include: IncludePlan;
}

function planNested(
  model: AnyModel,
  name: string,
  options: NestedOptions,
  includes: IncludePlan[],
): NestedPlan {
  const meta = model.meta.fields[name];
  if (meta?.kind !== 'hasMany' || !meta.relation?.foreignKey)
    throw configError(`nested '${name}': '${name}' is not a has-many relation of '${model.name}'`);
  const target = relationTarget(model, name, options.model, name);
  const back = target.meta.fields[meta.relation.foreignKey];
  if (!back?.attribute)
    throw configError(`nested '${name}': '${target.name}' has no '${meta.relation.foreignKey}'`);
  const write = writeProperties(target);
  const fields = options.fields
    ? options.fields.map((f) => {
        const attribute = attributeOf(target, f);
        if (!(attribute in write) || attribute === back.attribute)
          throw configError(`nested '${name}': '${f}' is not a writable field of '${target.name}'`);
        return attribute;
      })
    : Object.keys(write).filter((a) => a !== back.attribute && a !== 'id');
  const required = ((target.schemas.create.required as string[] | undefined) ?? []).filter((a) =>
    fields.includes(a),
  );
  let include = includes.find((i) => i.name === name);
  if (!include) {
    const readable = defaultFields(target);
    include = {
      path: name,
      name,
      model: target,
      many: true,
      nullable: false,
      fields: readable.includes('id') ? ['id', ...readable.filter((f) => f !== 'id')] : readable,
      children: [],
    };
    includes.push(include);
  }
  const min = options.min ?? 0;
  const max = options.max ?? 100;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max >= Math.max(min, 1)))
    throw configError(`nested '${name}': min and max must be whole numbers with 0 <= min <= max, max >= 1`);
  return { name, model: target, parentKey: back.attribute, fields, required, min, max, include };
}

function configError(message: string): BasaltError {
  return new BasaltError('BASALT_CONFIG_INVALID', message);
}

/** `author` → `authorId` for a belongsTo; other names unchanged. */
export function attributeOf(model: AnyModel, name: string): string {
  const meta = model.meta.fields[name];
  return meta?.attribute ?? name;
}

function readProperties(model: AnyModel): Record<string, TSchema> {
  return model.schemas.read.properties as Record<string, TSchema>;
}

function writeProperties(model: AnyModel): Record<string, TSchema> {
  return model.schemas.create.properties as Record<string, TSchema>;
}

/** The target model of a relation of `model`, from its thunk or the `model` the options give. */
function relationTarget(model: AnyModel, name: string, given: AnyModel | undefined, path: string): AnyModel {
  if (given) return given;
  const ref = model.fields[name]?.config.target;
  if (typeof ref === 'function') return ref() as AnyModel;
  if (typeof ref === 'string' && ref === model.name) return model;
  throw configError(
    ref === undefined
      ? `include '${path}': '${name}' is not a relation field of '${model.name}'; for a reverse relation pass { model }`
      : `include '${path}': the relation names its target '${ref}' by string; pass { model: ${ref} }`,
  );
}

function defaultFields(model: AnyModel): string[] {
  return Object.keys(readProperties(model));
}

function planIncludes(model: AnyModel, include: CollectionOptions<AnyModel>['include']): IncludePlan[] {
  const entries: [string, IncludeOptions][] = Array.isArray(include)
    ? (include as readonly string[]).map((p) => [p, {}])
    : Object.entries((include ?? {}) as Record<string, IncludeOptions>);
  // Parents first, so `reviews.customer` finds `reviews`.
  entries.sort(([a], [b]) => a.split('.').length - b.split('.').length);
  const byPath = new Map<string, IncludePlan>();
  const top: IncludePlan[] = [];
  for (const [path, options] of entries) {
    const dot = path.lastIndexOf('.');
    const name = dot === -1 ? path : path.slice(dot + 1);
    const parent = dot === -1 ? undefined : byPath.get(path.slice(0, dot));
    if (dot !== -1 && !parent)
      throw configError(`include '${path}' needs '${path.slice(0, dot)}' to be includable too`);
    const owner = parent?.model ?? model;
    const target = relationTarget(owner, name, options.model, path);
    const meta = owner.meta.fields[name];
    const readable = defaultFields(target);
    const fields = options.fields ? options.fields.map((f) => attributeOf(target, f)) : readable;
    for (const field of fields)
      if (!readable.includes(field))
        throw configError(`include '${path}': '${field}' is not a readable field of '${target.name}'`);
    const plan: IncludePlan = {
      path,
      name,
      model: target,
      many: meta ? meta.kind !== 'belongsTo' : true,
      nullable: meta?.nullable ?? false,
      fields: fields.includes('id') || !readable.includes('id') ? fields : ['id', ...fields],
      children: [],
    };
    byPath.set(path, plan);
    if (parent) parent.children.push(plan);
    else top.push(plan);
  }
  return top;
}

/** Resolves which fields a collection shows and accepts; a wrong name fails at definition time. */
export function planFields(model: AnyModel, options: CollectionOptions<AnyModel>): FieldPlan {
  const read = readProperties(model);
  const write = writeProperties(model);
  const known = (name: string) => name in read || name in write;
  const names = (list: readonly string[] | undefined, what: string) =>
    (list ?? []).map((n) => {
      const attribute = attributeOf(model, n);
      if (!known(attribute)) throw configError(`${what}: '${n}' is not a field of '${model.name}'`);
      return attribute;
    });
  const listed = options.fields ? names(options.fields, 'fields') : null;
  const exclude = new Set(names(options.exclude, 'exclude'));
  const readOnly = new Set(names(options.readOnly, 'readOnly'));
  const writeOnly = new Set(names(options.writeOnly, 'writeOnly'));
  const computed = (options.computed ?? {}) as Readonly<Record<string, ComputedField<AnyModel>>>;
  for (const name of Object.keys(computed))
    if (known(name)) throw configError(`computed '${name}' has the name of a field of '${model.name}'`);

  const readable = (listed ?? Object.keys(read)).filter(
    (a) => a in read && !exclude.has(a) && !writeOnly.has(a) && a !== 'id',
  );
  if ('id' in read) readable.unshift('id');

  let writable: string[];
  if (options.writable) {
    writable = names(options.writable, 'writable');
    for (const a of writable)
      if (!(a in write)) throw configError(`writable: '${a}' of '${model.name}' cannot be written`);
  } else {
    const candidates = listed ? new Set([...listed, ...writeOnly]) : null;
    writable = Object.keys(write).filter((a) => !candidates || candidates.has(a));
  }
  writable = writable.filter((a) => !readOnly.has(a) && !exclude.has(a));
  const required = ((model.schemas.create.required as string[] | undefined) ?? []).filter((a) =>
    writable.includes(a),
  );

  const readRules = new Map<string, FieldRule>();
  const writeRules = new Map<string, FieldRule>();
  for (const [name, rules] of Object.entries(options.fieldAccess ?? {})) {
    const attribute = attributeOf(model, name);
    if (!known(attribute) && !(name in computed))
      throw configError(`fieldAccess: '${name}' is not a field of '${model.name}'`);
    if (rules.read) readRules.set(name in computed ? name : attribute, rules.read);
    if (rules.write) writeRules.set(attribute, rules.write);
  }

  const includes = planIncludes(model, options.include);
  const nested = Object.entries(options.nested ?? {}).map(([name, o]) =>
    planNested(model, name, o, includes),
  );
  const includeByPath = new Map<string, IncludePlan>();
  const walk = (list: IncludePlan[]) => {
    for (const plan of list) {
      includeByPath.set(plan.path, plan);
      walk(plan.children);
    }
  };
  walk(includes);
  for (const plan of includes)
    if (readable.includes(plan.name) || plan.name in computed)
      throw configError(`include '${plan.name}' has the name of a field of '${model.name}'`);
  return {
    model,
    readable,
    writable,
    required,
    computed,
    readRules,
    writeRules,
    includes,
    includeByPath,
    nested,
  };
}
