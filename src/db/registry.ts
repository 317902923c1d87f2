import type { ThroughMeta } from './meta.js';
import type { AnyModel } from './model.js';

/** A relation as the query layer uses it, resolved to models. */
export interface ResolvedRelation {
  name: string;
  kind: 'belongsTo' | 'hasMany' | 'manyToMany';
  target: AnyModel;
  /** belongsTo: this model's FK column; hasMany: the target's FK column; manyToMany: unused. */
  column: string;
  /** belongsTo: this model's FK attribute; hasMany: the target's FK attribute. */
  attribute: string;
  nullable: boolean;
  /** manyToMany: the join table. */
  through: ThroughMeta | null;
}

/**
 * The models a database knows, by name; resolves relation targets given by name and
 * reverse relations declared with `related` on a belongsTo.
 */
export class ModelRegistry {
  readonly #models = new Map<string, AnyModel>();
  readonly #relations = new Map<string, Map<string, ResolvedRelation>>();

  constructor(models: Iterable<AnyModel>) {
    for (const model of models) {
      if (this.#models.has(model.name)) throw new TypeError(`Two models are named '${model.name}'`);
      this.#models.set(model.name, model);
    }
  }

  /** Every model, in registration order. */
  all(): AnyModel[] {
    return [...this.#models.values()];
  }

  /** The model named `name`, or a clear error. */
  get(name: string): AnyModel {
    const model = this.#models.get(name);
    if (!model) throw new TypeError(`Unknown model '${name}': pass it in createDatabase({ models })`);
    return model;
  }

  /** Adds a model not listed at creation (a relation target reached by thunk). */
  ensure(model: AnyModel): AnyModel {
    const known = this.#models.get(model.name);
    if (known) return known;
    this.#models.set(model.name, model);
    return model;
  }

  /** The relations of `model`: its own relation fields plus reverse `related` ones. */
  relations(model: AnyModel): Map<string, ResolvedRelation> {
    let map = this.#relations.get(model.name);
    if (map) return map;
    map = new Map();
    for (const meta of Object.values(model.meta.fields)) {
      if (!meta.relation) continue;
      const target = this.target(model, meta.name);
      if (meta.kind === 'belongsTo') {
        map.set(meta.name, {
          name: meta.name,
          kind: 'belongsTo',
          target,
          column: meta.column!,
          attribute: meta.attribute!,
          nullable: meta.nullable,
          through: null,
        });
      } else if (meta.kind === 'hasMany') {
        const fk = target.meta.fields[meta.relation.foreignKey ?? ''];
        if (fk?.kind !== 'belongsTo')
          throw new TypeError(
            `${model.name}.${meta.name}: '${meta.relation.foreignKey}' is not a belongsTo of '${target.name}'`,
          );
        map.set(meta.name, {
          name: meta.name,
          kind: 'hasMany',
          target,
          column: fk.column!,
          attribute: fk.attribute!,
          nullable: false,
          through: null,
        });
      } else {
        map.set(meta.name, {
          name: meta.name,
          kind: 'manyToMany',
          target,
          column: '',
          attribute: '',
          nullable: false,
          through: this.#through(model, target, meta.relation.through),
        });
      }
    }
    for (const other of this.#models.values()) {
      for (const meta of Object.values(other.meta.fields)) {
        const related = meta.relation?.related;
        if (meta.kind !== 'belongsTo' || !related || meta.relation?.target !== model.name || map.has(related))
          continue;
        map.set(related, {
          name: related,
          kind: 'hasMany',
          target: other,
          column: meta.column!,
          attribute: meta.attribute!,
          nullable: false,
          through: null,
        });
      }
    }
    this.#relations.set(model.name, map);
    return map;
  }

  /** A join model given by name is resolved here, reading its real table and columns. */
  #through(model: AnyModel, target: AnyModel, through: ThroughMeta | null): ThroughMeta | null {
    if (!through || through.model === null) return through;
    const join = this.get(through.model);
    const fks = Object.values(join.meta.fields).filter((m) => m.kind === 'belongsTo');
    const source = fks.find((m) => m.relation?.target === model.name);
    const dest = fks.find((m) => m.relation?.target === target.name && m !== source);
    if (!source || !dest) {
      throw new TypeError(
        `Join model '${join.name}' needs a belongsTo to '${model.name}' and to '${target.name}'`,
      );
    }
    return {
      model: join.name,
      table: join.meta.table,
      sourceColumn: source.column!,
      targetColumn: dest.column!,
    };
  }

  /** The target model of relation field `field` on `model`. */
  target(model: AnyModel, field: string): AnyModel {
    const ref = model.fields[field]?.config.target;
    if (ref === undefined) throw new TypeError(`${model.name}.${field} is not a relation`);
    if (typeof ref === 'string') return ref === model.name ? model : this.get(ref);
    return this.ensure(ref() as AnyModel);
  }
}
