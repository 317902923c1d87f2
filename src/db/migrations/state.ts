import type { FieldKind, OnDelete } from '../fields/field.js';
import type { CheckMeta, FieldMeta, ModelMeta } from '../meta.js';
import { snakeCase } from '../meta.js';

/** The schema-relevant part of a field, as migrations record it (no labels, no validators). */
export interface FieldState {
  name: string;
  kind: FieldKind;
  column: string;
  primaryKey: boolean;
  autoIncrement: boolean;
  nullable: boolean;
  /** A database default (a literal value); function defaults live in the app, not the schema. */
  default: { value: unknown } | null;
  unique: boolean;
  index: boolean;
  max: number | null;
  precision: number | null;
  scale: number | null;
  /** Allowed values of an enum field. */
  choices: string[] | null;
  /** belongsTo: the target model's name. */
  target: string | null;
  onDelete: OnDelete | null;
}

/** How a migration file writes a field: only what differs from the defaults. */
export interface FieldSpec {
  kind: FieldKind;
  column?: string;
  primaryKey?: boolean;
  autoIncrement?: boolean;
  nullable?: boolean;
  default?: unknown;
  unique?: boolean;
  index?: boolean;
  max?: number;
  precision?: number;
  scale?: number;
  choices?: string[];
  target?: string;
  onDelete?: OnDelete;
}

/** An index as recorded by migrations (field names; columns are resolved when SQL is emitted). */
export interface IndexState {
  name: string;
  fields: string[];
  unique: boolean;
  /** A partial index's predicate (SQL over columns, as written); absent for a full index. */
  where?: string;
}

/** A unique-together constraint as recorded by migrations. */
export interface UniqueState {
  name: string;
  fields: string[];
}

/** The search index of a model (migrations' `searchIndex`); at most one per model. */
export interface SearchIndexState {
  fields: string[];
  mode: 'contains' | 'fulltext';
  language: string;
}

/** One model in the project state. */
export interface ModelState {
  name: string;
  table: string;
  primaryKey: 'integer' | 'uuid';
  /** Column-backed fields in order (`id` first). */
  fields: Record<string, FieldState>;
  indexes: IndexState[];
  unique: UniqueState[];
  checks: CheckMeta[];
  /** Written by `searchIndex` only (models do not declare it; the autodetector ignores it). */
  search?: SearchIndexState;
}

/** The schema a migration history describes: every model by name. */
export interface ProjectState {
  models: Record<string, ModelState>;
}

/** An empty project state (before the first migration). */
export function emptyState(): ProjectState {
  return { models: {} };
}

/** A deep copy of a state (states are plain JSON). */
export function cloneState(state: ProjectState): ProjectState {
  return structuredClone(state);
}

/** The model named `name`, or a clear error. */
export function requireModel(state: ProjectState, name: string): ModelState {
  const model = state.models[name];
  if (!model) throw new Error(`Migration state has no model '${name}'`);
  return model;
}

/** The field `field` of model `model`, or a clear error. */
export function requireField(state: ProjectState, model: string, field: string): FieldState {
  const f = requireModel(state, model).fields[field];
  if (!f) throw new Error(`Migration state has no field '${model}.${field}'`);
  return f;
}

/** Expands a migration file's field spec into a full {@link FieldState}. */
export function fieldFromSpec(name: string, spec: FieldSpec): FieldState {
  return {
    name,
    kind: spec.kind,
    column: spec.column ?? (spec.kind === 'belongsTo' ? `${snakeCase(name)}_id` : snakeCase(name)),
    primaryKey: spec.primaryKey ?? false,
    autoIncrement: spec.autoIncrement ?? false,
    nullable: spec.nullable ?? false,
    default: spec.default === undefined ? null : { value: spec.default },
    unique: spec.unique ?? false,
    index: spec.index ?? false,
    max: spec.max ?? null,
    precision: spec.precision ?? null,
    scale: spec.scale ?? null,
    choices: spec.choices ?? null,
    target: spec.target ?? null,
    onDelete: spec.onDelete ?? null,
  };
}

/** The compact spec of a field: the inverse of {@link fieldFromSpec}. */
export function specFromField(field: FieldState): FieldSpec {
  const base = fieldFromSpec(field.name, { kind: field.kind });
  const spec: FieldSpec = { kind: field.kind };
  const out = spec as unknown as Record<string, unknown>;
  for (const key of Object.keys(field) as (keyof FieldState)[]) {
    if (key === 'name' || key === 'kind') continue;
    if (JSON.stringify(field[key]) === JSON.stringify(base[key])) continue;
    out[key] = key === 'default' ? (field.default as { value: unknown }).value : field[key];
  }
  return spec;
}

/** The field state of a model field's metadata, or `undefined` for hasMany/manyToMany. */
export function fieldFromMeta(meta: FieldMeta): FieldState | undefined {
  if (meta.column === null) return undefined;
  const maxed = ['string', 'email', 'url', 'slug', 'enum'].includes(meta.kind);
  return {
    name: meta.name,
    kind: meta.kind,
    column: meta.column,
    primaryKey: meta.primaryKey,
    autoIncrement: meta.autoIncrement,
    nullable: meta.nullable,
    default: meta.default.kind === 'value' ? { value: meta.default.value } : null,
    unique: meta.unique,
    index: meta.index,
    max: meta.max ?? (maxed ? 255 : null),
    precision: meta.precision,
    scale: meta.scale,
    choices: meta.choices ? meta.choices.map((c) => c.value) : null,
    target: meta.kind === 'belongsTo' ? (meta.relation?.target ?? null) : null,
    onDelete: meta.kind === 'belongsTo' ? (meta.relation?.onDelete ?? 'cascade') : null,
  };
}

function joinTables(meta: ModelMeta): ModelState[] {
  const out: ModelState[] = [];
  for (const field of Object.values(meta.fields)) {
    const through = field.relation?.through;
    if (field.kind !== 'manyToMany' || !through || through.model !== null) continue;
    const fk = (column: string, target: string): FieldState => ({
      ...fieldFromSpec(column.replace(/_id$/, ''), { kind: 'belongsTo', target, onDelete: 'cascade' }),
      column,
    });
    const source = fk(through.sourceColumn, meta.name);
    const target = fk(through.targetColumn, field.relation!.target);
    out.push({
      name: through.table,
      table: through.table,
      primaryKey: 'integer',
      fields: {
        id: fieldFromSpec('id', { kind: 'integer', primaryKey: true, autoIncrement: true }),
        [source.name]: source,
        [target.name]: target,
      },
      // The same join table as `db.createTables()` makes (src/db/dialects/ddl.ts).
      indexes: [
        { name: `${through.table}_${through.targetColumn}_idx`, fields: [target.name], unique: false },
      ],
      unique: [{ name: `${through.table}_uniq`, fields: [source.name, target.name] }],
      checks: [],
    });
  }
  return out;
}

/** The project state of a set of models (what the app declares now), join tables included. */
export function stateFromModels(models: readonly { meta: ModelMeta }[]): ProjectState {
  const state = emptyState();
  for (const { meta } of models) {
    const fields: Record<string, FieldState> = {};
    for (const f of Object.values(meta.fields)) {
      const fs = fieldFromMeta(f);
      if (fs) fields[f.name] = fs;
    }
    state.models[meta.name] = {
      name: meta.name,
      table: meta.table,
      primaryKey: meta.primaryKey.type,
      fields,
      indexes: meta.indexes.map((i) => ({
        name: i.name,
        fields: [...i.fields],
        unique: i.unique,
        ...(i.where ? { where: i.where } : {}),
      })),
      unique: meta.unique.map((u) => ({ name: u.name, fields: [...u.fields] })),
      checks: meta.checks.map((c) => ({ ...c })),
      ...(meta.search
        ? {
            search: {
              fields: [...meta.search.fields],
              mode: meta.search.mode,
              language: meta.search.language,
            },
          }
        : {}),
    };
    for (const join of joinTables(meta)) state.models[join.name] = join;
  }
  return state;
}

/** Whether a field has its own index (`index: true`; a unique field is indexed by its constraint). */
export function hasFieldIndex(field: FieldState): boolean {
  return field.index && !field.unique;
}

/** Columns of the named fields of a model. */
export function columnsOf(model: ModelState, fields: readonly string[]): string[] {
  return fields.map((name) => {
    const f = model.fields[name];
    if (!f) throw new Error(`Model '${model.name}' has no column field '${name}'`);
    return f.column;
  });
}

/** Whether two fields have the same definition apart from their names and columns. */
export function sameDefinition(a: FieldState, b: FieldState): boolean {
  const strip = (f: FieldState) => JSON.stringify({ ...f, name: '', column: '' });
  return strip(a) === strip(b);
}

/** Whether two fields are identical in every schema respect. */
export function sameField(a: FieldState, b: FieldState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
