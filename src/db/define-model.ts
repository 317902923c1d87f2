import type { AnyField, FieldConfig, FieldsShape, ModelLike } from './fields/field.js';
import type { HookRecord } from './infer.js';
import type {
  CheckMeta,
  DefaultMeta,
  FieldMeta,
  IndexMeta,
  ModelMeta,
  SearchMeta,
  ThroughMeta,
  UniqueMeta,
} from './meta.js';
import { humanize, pascalCase, refName, snakeCase } from './meta.js';
import type { Model, ModelHooks, ModelOptions, ModelSchemas, PrimaryKeyType } from './model.js';
import { buildSchemas } from './schemas.js';

const RESERVED = new Set(['id', 'createdAt', 'updatedAt', 'and', 'or', 'not']);

type PkOf<O> = O extends { primaryKey: 'uuid' } ? 'uuid' : 'integer';
type TimestampsOf<O> = O extends { timestamps: true } ? true : false;

/**
 * Declares a model: its fields and table options. The returned object is the single
 * source of truth read by queries, migrations, REST, admin and GraphQL.
 *
 * @example
 * export const Book = defineModel('book', {
 *   title: f.string({ max: 200 }),
 *   author: f.belongsTo(() => Author, { onDelete: 'cascade', related: 'books' }),
 * }, { ordering: ['-publishedOn'] });
 */
export function defineModel<
  const TName extends string,
  const TFields extends FieldsShape,
  const TOptions extends ModelOptions<TFields> = {},
>(
  name: TName,
  fields: TFields,
  options?: TOptions & Omit<ModelOptions, 'hooks'> & { hooks?: ModelHooks<HookRecord<TFields>> },
): Model<TName, TFields, PkOf<TOptions>, TimestampsOf<TOptions>> {
  for (const key of Object.keys(fields)) {
    if (RESERVED.has(key)) throw new TypeError(`Model '${name}': the field name '${key}' is reserved`);
  }
  const opts: ModelOptions = (options ?? {}) as ModelOptions;
  let meta: ModelMeta | undefined;
  let schemas: ModelSchemas | undefined;
  const model: Model<TName, TFields, PkOf<TOptions>, TimestampsOf<TOptions>> = {
    name,
    fields,
    options: opts,
    hooks: opts.hooks ?? {},
    get meta(): ModelMeta {
      meta ??= buildMeta(name, fields, opts);
      return meta;
    },
    get schemas(): ModelSchemas {
      schemas ??= buildSchemas(model as unknown as Model);
      return schemas;
    },
  };
  return model;
}

function defaultMeta(config: FieldConfig): DefaultMeta {
  if (!config.hasDefault) return { kind: 'none' };
  if (typeof config.default === 'function') return { kind: 'function' };
  const value = config.default instanceof Date ? config.default.toISOString() : config.default;
  return { kind: 'value', value };
}

function baseMeta(name: string, kind: FieldMeta['kind'], partial: Partial<FieldMeta>): FieldMeta {
  return {
    name,
    kind,
    attribute: name,
    column: snakeCase(name),
    primaryKey: false,
    autoIncrement: false,
    auto: null,
    nullable: false,
    default: { kind: 'none' },
    unique: false,
    index: false,
    label: humanize(name),
    help: null,
    readOnly: false,
    writeOnly: false,
    validators: 0,
    max: null,
    precision: null,
    scale: null,
    choices: null,
    jsonSchema: null,
    accept: null,
    relation: null,
    ...partial,
  };
}

function throughMeta(modelName: string, table: string, fieldName: string, field: AnyField): ThroughMeta {
  const target = refName(field.config.target!);
  const self = target === modelName;
  const sourceColumn = self ? `from_${snakeCase(modelName)}_id` : `${snakeCase(modelName)}_id`;
  const targetColumn = self ? `to_${snakeCase(target)}_id` : `${snakeCase(target)}_id`;
  const through = field.config.through;
  if (through === undefined)
    return { model: null, table: `${table}_${snakeCase(fieldName)}`, sourceColumn, targetColumn };
  if (typeof through === 'string')
    return { model: through, table: snakeCase(through), sourceColumn, targetColumn };
  const join = through() as ModelLike & { meta: ModelMeta };
  const fks = Object.values(join.meta.fields).filter((m) => m.kind === 'belongsTo');
  const source = fks.find((m) => m.relation?.target === modelName);
  const dest = fks.find((m) => m.relation?.target === target && m !== source);
  if (!source || !dest) {
    throw new TypeError(
      `Model '${modelName}': through model '${join.name}' needs a belongsTo to '${modelName}' and '${target}'`,
    );
  }
  return {
    model: join.name,
    table: join.meta.table,
    sourceColumn: source.column!,
    targetColumn: dest.column!,
  };
}

function fieldMeta(modelName: string, table: string, name: string, field: AnyField): FieldMeta {
  const c = field.config;
  const common: Partial<FieldMeta> = {
    nullable: c.optional,
    default: defaultMeta(c),
    unique: c.unique,
    index: c.index,
    label: c.label ?? humanize(name),
    help: c.help ?? null,
    readOnly: c.readOnly,
    writeOnly: c.writeOnly,
    validators: c.validators.length,
  };
  if (field.relation === false) {
    return baseMeta(name, field.kind, {
      ...common,
      column: c.column ?? snakeCase(name),
      max: c.max ?? null,
      precision: c.precision ?? null,
      scale: c.scale ?? null,
      choices: c.choices ?? null,
      jsonSchema: c.schema ? (JSON.parse(JSON.stringify(c.schema)) as object) : null,
      accept: c.accept ?? null,
    });
  }
  const relation = {
    target: refName(c.target!),
    onDelete: c.onDelete ?? null,
    related: c.related ?? null,
    foreignKey: c.foreignKey ?? null,
    through: null,
  };
  if (field.relation === 'belongsTo') {
    return baseMeta(name, 'belongsTo', {
      ...common,
      attribute: `${name}Id`,
      column: c.column ?? `${snakeCase(name)}_id`,
      relation,
    });
  }
  return baseMeta(name, field.kind, {
    ...common,
    nullable: false,
    attribute: null,
    column: null,
    relation: {
      ...relation,
      through: field.relation === 'manyToMany' ? throughMeta(modelName, table, name, field) : null,
    },
  });
}

function buildMeta(name: string, fields: FieldsShape, options: ModelOptions): ModelMeta {
  const table = options.table ?? snakeCase(name);
  const pkType: PrimaryKeyType = options.primaryKey ?? 'integer';
  const metaFields: Record<string, FieldMeta> = {
    id: baseMeta('id', pkType === 'uuid' ? 'uuid' : 'integer', {
      primaryKey: true,
      autoIncrement: pkType === 'integer',
      default: pkType === 'uuid' ? { kind: 'function' } : { kind: 'none' },
      readOnly: true,
      label: 'ID',
    }),
  };
  for (const [key, field] of Object.entries(fields)) metaFields[key] = fieldMeta(name, table, key, field);
  if (options.timestamps) {
    metaFields.createdAt = baseMeta('createdAt', 'datetime', { auto: 'create', readOnly: true });
    metaFields.updatedAt = baseMeta('updatedAt', 'datetime', { auto: 'update', readOnly: true });
  }
  const columnsOf = (names: readonly string[]): string[] =>
    names.map((n) => {
      const column = metaFields[n]?.column;
      if (!column) throw new TypeError(`Model '${name}': '${n}' is not a column field`);
      return column;
    });
  const indexes: IndexMeta[] = (options.indexes ?? []).map((ix) => {
    const spec = Array.isArray(ix)
      ? { fields: ix as readonly string[] }
      : (ix as { fields: readonly string[]; name?: string; unique?: boolean; where?: string });
    const columns = columnsOf(spec.fields);
    const unique = spec.unique === true;
    return {
      name: spec.name ?? `${table}_${columns.join('_')}_${unique ? 'uniq' : 'idx'}`,
      fields: [...spec.fields],
      columns,
      unique,
      ...(spec.where ? { where: spec.where } : {}),
    };
  });
  const unique: UniqueMeta[] = (options.unique ?? []).map((set) => {
    const columns = columnsOf(set);
    return { name: `${table}_${columns.join('_')}_uniq`, fields: [...set], columns };
  });
  indexForeignKeys(metaFields, fields, indexes, unique);
  const ordering = [...(options.ordering ?? [])];
  const orderingIndex = indexOrdering(table, metaFields, ordering, indexes, unique);
  if (orderingIndex) indexes.push({ ...orderingIndex, columns: columnsOf(orderingIndex.fields) });
  const checks: CheckMeta[] = Object.entries(options.checks ?? {}).map(([checkName, sql]) => ({
    name: checkName,
    sql,
  }));
  const label = options.label ?? humanize(name);
  return {
    name,
    table,
    label,
    pluralLabel: options.pluralLabel ?? `${label}s`,
    primaryKey: { name: 'id', column: 'id', type: pkType },
    fields: metaFields,
    ordering,
    indexes,
    unique,
    checks,
    timestamps: options.timestamps === true,
    search: searchMeta(name, options.search, columnsOf),
  };
}

function searchMeta(
  model: string,
  search: ModelOptions['search'],
  columnsOf: (names: readonly string[]) => string[],
): SearchMeta | null {
  if (search === undefined) return null;
  if (search.mode !== 'contains' && search.mode !== 'fulltext')
    throw new TypeError(`Model '${model}': search.mode must be 'contains' or 'fulltext'`);
  const language = search.language ?? 'english';
  if (!/^[a-z_]+$/.test(language))
    throw new TypeError(
      `Model '${model}': search.language '${language}' is not a text search configuration name`,
    );
  if (search.fields.length === 0) throw new TypeError(`Model '${model}': search.fields is empty`);
  return { fields: [...search.fields], columns: columnsOf(search.fields), mode: search.mode, language };
}

/**
 * A foreign key declared without `index` gets its own index, unless it is unique or an
 * index or unique-together already starts with it (which serves the same lookups).
 */
function indexForeignKeys(
  metaFields: Record<string, FieldMeta>,
  fields: FieldsShape,
  indexes: readonly IndexMeta[],
  unique: readonly UniqueMeta[],
): void {
  for (const [name, field] of Object.entries(fields)) {
    if (field.relation !== 'belongsTo' || field.config.autoIndex !== true) continue;
    const leads = (list: readonly string[]) => list[0] === name;
    const covered =
      field.config.unique ||
      indexes.some((ix) => ix.where === undefined && leads(ix.fields)) ||
      unique.some((u) => leads(u.fields));
    metaFields[name]!.index = !covered;
  }
}

/**
 * The index a model's default ordering needs (its fields then `id`, which breaks ties and
 * keysets), unless one is declared: an index, unique-together, unique or indexed field that
 * starts with the ordering's fields. Mixed directions (`['-publishedOn', 'title']`) need a
 * declared index and get none here (the system check names them).
 */
function indexOrdering(
  table: string,
  metaFields: Record<string, FieldMeta>,
  ordering: readonly string[],
  indexes: readonly IndexMeta[],
  unique: readonly UniqueMeta[],
): { name: string; fields: string[]; unique: false } | undefined {
  if (ordering.length === 0) return undefined;
  const desc = ordering.map((key) => key.startsWith('-'));
  if (desc.some((d) => d !== desc[0])) return undefined;
  const names = ordering.map((key) => (key.startsWith('-') ? key.slice(1) : key));
  const first = metaFields[names[0]!];
  if (!first || first.primaryKey) return undefined;
  const starts = (list: readonly string[]) => names.every((n, i) => list[i] === n);
  const single = names.length === 1 && (first.unique || first.index);
  if (
    single ||
    indexes.some((ix) => ix.where === undefined && starts(ix.fields)) ||
    unique.some((u) => starts(u.fields))
  )
    return undefined;
  const indexed = names.includes('id') ? names : [...names, 'id'];
  const columns = indexed.map((n) => metaFields[n]?.column ?? n);
  return { name: `${table}_${columns.join('_')}_idx`, fields: indexed, unique: false };
}

/** Schema `$id` base for a model: `order_line` → `OrderLine`. */
export function schemaName(model: { name: string }): string {
  return pascalCase(model.name);
}
