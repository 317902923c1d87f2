import type { TSchema } from '@sinclair/typebox';
import { BasaltError, isBasaltError } from '../core/index.js';
import type { Executor, FieldMeta } from '../db/index.js';
import { t } from '../http/index.js';
import type { Actor } from '../ops/index.js';
import { createObject, deleteObject, hiddenFields, scoped, updateObject } from '../ops/internal.js';
import type { Html, Translator } from '../views/index.js';
import { type AdminSite, can, type Row, registryOf } from './context.js';
import { type AdminModel, metaOf } from './registry.js';
import { displayValue, inputValue, objectLabel, Widget } from './render.js';

/** One inline of a model: the children of a has-many relation, edited in the parent's change form. */
export interface AdminInline {
  /** The has-many relation (`lines`). */
  readonly relation: string;
  /** The child model's name, found in the registry at request time. */
  readonly target: string;
  /** The children's attribute holding the parent's key (`orderId`). */
  readonly parentKey: string;
  /** Child attributes edited in the rows; default the child's editable fields but the key to the parent. */
  readonly fields: readonly string[] | undefined;
  readonly perPage: number;
  /** Blank rows for new children. */
  readonly extra: number;
}

/** A page of an inline as rendered: the rows and the key after which the next page starts. */
interface InlinePage {
  readonly inline: AdminInline;
  readonly child: AdminModel;
  readonly fields: readonly string[];
  readonly rows: readonly Row[];
  readonly after: string | undefined;
  readonly next: string | null;
  readonly canAdd: boolean;
  readonly canChange: boolean;
  readonly canDelete: boolean;
}

const KEY = /^(\d{1,15}|[0-9a-fA-F-]{36})$/;

/** Form field names of an inline row (`lines-3-quantity`, `lines-new-0-quantity`). */
export const rowField = (relation: string, row: string | number, field: string) =>
  `${relation}-${row}-${field}`;

function childEntry(site: AdminSite, inline: AdminInline): AdminModel {
  const entry = registryOf(site).byKey.get(inline.target);
  if (!entry)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `admin(): inline '${inline.relation}' needs '${inline.target}' in the admin`,
    );
  return entry;
}

/** An inline row's fields by default: the child's editable ones but the key to the parent, files and many-to-many sets. */
function inlineDefaults(child: AdminModel, inline: AdminInline): string[] {
  return child.editable.filter((a) => {
    const kind = metaOf(child.model, a)?.kind;
    return a !== inline.parentKey && kind !== 'file' && kind !== 'manyToMany';
  });
}

function childFields(child: AdminModel, inline: AdminInline, actor: Actor): string[] {
  const hidden = hiddenFields(child.runtime.plan, actor);
  const writeRules = child.runtime.plan.writeRules;
  const fields = inline.fields ?? inlineDefaults(child, inline);
  return fields.filter((a) => !hidden.has(a) && writeRules.get(a)?.(actor) !== false);
}

/** The form properties of an inline's rows: every row of a page and the blank ones, as text. */
export function inlineSchema(site: AdminSite | undefined, entry: AdminModel): Record<string, TSchema> {
  const properties: Record<string, TSchema> = {};
  const text = t.Optional(t.String({ maxLength: 100_000 }));
  for (const inline of entry.inlines) {
    const child = site?.registry?.byKey.get(inline.target);
    const fields = inline.fields ?? (child ? inlineDefaults(child, inline) : []);
    properties[`${inline.relation}-after`] = t.Optional(t.String({ pattern: KEY.source }));
    for (let i = 0; i < inline.perPage; i++) {
      properties[rowField(inline.relation, i, 'id')] = t.Optional(t.String({ pattern: KEY.source }));
      properties[rowField(inline.relation, i, 'DELETE')] = text;
      for (const f of fields) properties[rowField(inline.relation, i, f)] = text;
    }
    for (let j = 0; j < inline.extra; j++)
      for (const f of fields) properties[rowField(inline.relation, `new-${j}`, f)] = text;
  }
  return properties;
}

/** A page of each inline's children (keyset on the id: `after`), as the actor may see them. */
export async function inlinePages(
  site: AdminSite,
  db: Executor,
  actor: Actor,
  entry: AdminModel,
  parent: Row,
  after: (relation: string) => string | undefined,
): Promise<InlinePage[]> {
  const pages: InlinePage[] = [];
  for (const inline of entry.inlines) {
    const child = childEntry(site, inline);
    const [view, add, change, del] = await Promise.all(
      (['view', 'add', 'change', 'delete'] as const).map((v) => can(actor, child, v)),
    );
    if (!view && !change) continue;
    const start = after(inline.relation);
    const base = scoped(child.runtime, db, actor);
    let query = (base instanceof Promise ? await base : base).where({
      [inline.parentKey]: parent.id,
    } as never);
    if (start !== undefined && KEY.test(start))
      query = query.where({ id: { gt: /^\d+$/.test(start) ? Number(start) : start } } as never);
    const rows = (await query
      .orderBy('id' as never)
      .limit(inline.perPage + 1)
      .all()) as Row[];
    const more = rows.length > inline.perPage;
    if (more) rows.pop();
    pages.push({
      inline,
      child,
      fields: childFields(child, inline, actor),
      rows,
      after: start,
      next: more ? String(rows.at(-1)!.id) : null,
      canAdd: add!,
      canChange: change!,
      canDelete: del!,
    });
  }
  return pages;
}

/** The inlines of a change form: a table per relation, a row per child, blank rows to add. */
export function Inlines(props: {
  site: AdminSite;
  pages: readonly InlinePage[];
  values: Readonly<Record<string, string>> | undefined;
  errors: Readonly<Record<string, string>>;
  formUrl: string;
  i18n: Translator;
}): Html {
  const { i18n } = props;
  return (
    <>
      {props.pages.map((page) => {
        const { inline, child } = page;
        const rel = inline.relation;
        const value = (row: string | number, field: string, stored: unknown) => {
          const typed = props.values?.[rowField(rel, row, field)];
          return typed ?? inputValue(metaOf(child.model, field)!, stored);
        };
        const cell = (row: string | number, field: string, stored: unknown, editable: boolean) => {
          const meta = metaOf(child.model, field)!;
          const name = rowField(rel, row, field);
          const error = props.errors[name];
          return (
            <td>
              {editable ? (
                <InlineWidget meta={meta} name={name} value={value(row, field, stored)} error={error} />
              ) : (
                displayValue(meta, stored, i18n)
              )}
              {error ? (
                <p class="errorlist" id={`err_${name}`}>
                  {error}
                </p>
              ) : null}
            </td>
          );
        };
        return (
          <fieldset class="inline" id={`inline_${rel}`}>
            <legend>{child.model.meta.pluralLabel}</legend>
            <table>
              <thead>
                <tr>
                  <th scope="col">{child.model.meta.label}</th>
                  {page.fields.map((f) => (
                    <th scope="col">{metaOf(child.model, f)?.label ?? f}</th>
                  ))}
                  {page.canDelete ? <th scope="col">{i18n.t('admin.inline.delete')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {page.rows.map((row, i) => (
                  <tr>
                    <td>
                      <input type="hidden" name={rowField(rel, i, 'id')} value={String(row.id)} />
                      <a href={`${props.site.prefix}/${child.key}/${String(row.id)}/change`}>
                        {objectLabel(child, row)}
                      </a>
                    </td>
                    {page.fields.map((f) => cell(i, f, row[f], page.canChange))}
                    {page.canDelete ? (
                      <td>
                        <input
                          type="checkbox"
                          name={rowField(rel, i, 'DELETE')}
                          aria-label={i18n.t('admin.media.delete', { key: objectLabel(child, row) })}
                          checked={props.values?.[rowField(rel, i, 'DELETE')] !== undefined}
                        />
                      </td>
                    ) : null}
                  </tr>
                ))}
                {page.canAdd
                  ? Array.from({ length: inline.extra }, (_, j) => (
                      <tr class="new">
                        <td>{i18n.t('admin.inline.new', { name: child.model.meta.label.toLowerCase() })}</td>
                        {page.fields.map((f) => cell(`new-${j}`, f, undefined, true))}
                        {page.canDelete ? <td /> : null}
                      </tr>
                    ))
                  : null}
              </tbody>
            </table>
            {page.after !== undefined ? (
              <input type="hidden" name={`${rel}-after`} value={page.after} />
            ) : null}
            <nav
              class="pager"
              aria-label={i18n.t('admin.inline.pages', { plural: child.model.meta.pluralLabel })}
            >
              {page.after !== undefined ? (
                <a href={`${props.formUrl}#inline_${rel}`}>{i18n.t('admin.inline.first')}</a>
              ) : null}
              {page.next ? (
                <a
                  rel="next"
                  href={`${props.formUrl}?${encodeURIComponent(`${rel}-after`)}=${page.next}#inline_${rel}`}
                >
                  {i18n.t('admin.list.next')}
                </a>
              ) : null}
            </nav>
          </fieldset>
        );
      })}
    </>
  );
}

function InlineWidget(props: {
  meta: FieldMeta;
  name: string;
  value: string;
  error: string | undefined;
}): Html {
  return (
    <>
      <label class="visually-hidden" for={`id_${props.name}`}>
        {props.meta.label}
      </label>
      <Widget
        meta={props.meta}
        name={props.name}
        value={props.value}
        required={false}
        invalid={props.error !== undefined}
      />
    </>
  );
}

/** A row's text as the value the child's write takes (blank of an optional field: null). */
function coerce(meta: FieldMeta, raw: string | undefined): unknown {
  if (meta.kind === 'boolean') return raw === 'on' || raw === 'true';
  if (raw === undefined) return undefined;
  if (raw === '')
    return meta.nullable ? null : meta.kind === 'integer' || meta.kind === 'float' ? undefined : '';
  switch (meta.kind) {
    case 'integer':
    case 'float':
      return Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'belongsTo':
      return /^\d+$/.test(raw) ? Number(raw) : raw;
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    case 'datetime':
      return new Date(/(Z|[+-]\d{2}:\d{2})$/.test(raw) ? raw : `${raw}Z`);
    default:
      return raw;
  }
}

/**
 * Writes the inline rows of a submitted change form with `db` (the parent's transaction):
 * a ticked "Delete?" deletes the child, a changed row updates it, a filled blank row adds one
 * with the key to the parent, each through the child model's collection (policy, validation,
 * hooks, audit). A refused child write throws a 400 whose errors name the row's fields.
 */
export async function saveInlines(
  site: AdminSite,
  db: Executor,
  actor: Actor,
  entry: AdminModel,
  parent: Row,
  values: Readonly<Record<string, string>>,
  context: unknown,
): Promise<void> {
  for (const inline of entry.inlines) {
    const child = childEntry(site, inline);
    const fields = childFields(child, inline, actor);
    const rel = inline.relation;
    const write = async (row: string | number, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        if (!isBasaltError(error) || error.status >= 500) throw error;
        const errors = (error.errors ?? [{ pointer: '', detail: error.message }]).map((e) => {
          const field = e.pointer.replace(/^\/(body\/)?/, '').split('/')[0] ?? '';
          return {
            pointer: `/${rowField(rel, row, fields.includes(field) ? field : 'id')}`,
            detail: e.detail,
          };
        });
        throw new BasaltError(
          error.status === 403 ? 'BASALT_HTTP_FORBIDDEN' : 'BASALT_VALIDATION_FAILED',
          error.message,
          {
            errors,
          },
        );
      }
    };
    for (let i = 0; i < inline.perPage; i++) {
      const id = values[rowField(rel, i, 'id')];
      if (id === undefined) continue;
      const key = /^\d+$/.test(id) ? Number(id) : id;
      const current = (await (
        await scopedQuery(child, db, actor)
      )
        .where({ id: key, [inline.parentKey]: parent.id } as never)
        .first()) as Row | undefined;
      // A row of another parent, or one the actor may not see: nothing to do with this form.
      if (!current) continue;
      if (values[rowField(rel, i, 'DELETE')] !== undefined) {
        if (!(await can(actor, child, 'delete'))) throw forbidden(child);
        await write(i, () => deleteObject(child.runtime, db, actor, key, undefined, context as never));
        continue;
      }
      const data: Row = {};
      for (const f of fields) {
        const next = coerce(metaOf(child.model, f)!, values[rowField(rel, i, f)]);
        if (next === undefined) continue;
        if (inputValue(metaOf(child.model, f)!, next) !== inputValue(metaOf(child.model, f)!, current[f]))
          data[f] = next;
      }
      if (Object.keys(data).length === 0) continue;
      if (!(await can(actor, child, 'change'))) throw forbidden(child);
      await write(i, () =>
        updateObject(child.runtime, db, actor, key, data, 'partialUpdate', undefined, context as never),
      );
    }
    for (let j = 0; j < inline.extra; j++) {
      const raw = fields.map((f) => values[rowField(rel, `new-${j}`, f)]);
      if (raw.every((r) => r === undefined || r === '')) continue;
      if (!(await can(actor, child, 'add'))) throw forbidden(child);
      const data: Row = { [inline.parentKey]: parent.id };
      for (const f of fields) {
        const next = coerce(metaOf(child.model, f)!, values[rowField(rel, `new-${j}`, f)]);
        if (next !== undefined) data[f] = next;
      }
      await write(`new-${j}`, () => createObject(child.runtime, db, actor, data, context as never));
    }
  }
}

async function scopedQuery(child: AdminModel, db: Executor, actor: Actor) {
  const base = scoped(child.runtime, db, actor);
  return base instanceof Promise ? await base : base;
}

function forbidden(child: AdminModel): BasaltError {
  return new BasaltError(
    'BASALT_HTTP_FORBIDDEN',
    `You may not change ${child.model.meta.pluralLabel.toLowerCase()} here`,
  );
}
