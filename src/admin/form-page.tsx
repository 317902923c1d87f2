import { BasaltError, isBasaltError } from '../core/index.js';
import type { FieldMeta } from '../db/index.js';
import { respond } from '../http/index.js';
import type { Actor } from '../ops/index.js';
import {
  createObject,
  hiddenFields,
  listObjects,
  loadObject,
  lockForWrite,
  type Precondition,
  scoped,
  serialize,
  updateObject,
  viewOf,
} from '../ops/internal.js';
import {
  CsrfField,
  flash,
  type Html,
  type PageResult,
  redirect,
  type Translator,
  type ViewContext,
} from '../views/index.js';
import {
  type AdminContext,
  type AdminSite,
  forbidden,
  idOf,
  pageBody,
  type Row,
  registryOf,
  single,
  type Verb,
  verbs,
  versionOf,
} from './context.js';
import { addField, clearField, fileFields, formData, manyToManyFields, VERSION_FIELD } from './forms.js';
import { Inlines, inlinePages, saveInlines } from './inlines.js';
import { Frame } from './layout.js';
import { RelationInput } from './list-page.js';
import { tr } from './messages.js';
import { type AdminModel, metaOf } from './registry.js';
import { displayValue, fieldLabel, inputValue, isStoredFile, objectLabel, Widget } from './render.js';

interface FormProps {
  /** The inlines' pages (change form only). */
  inlines?: Awaited<ReturnType<typeof inlinePages>>;
  site: AdminSite;
  view: ViewContext;
  entry: AdminModel;
  actor: Actor;
  /** Null for the add form. */
  object: Row | null;
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  general: readonly string[];
  version: string | undefined;
  editable: boolean;
  related: Readonly<Record<string, { label: string; href: string | null }>>;
  /** The many-to-many pickers' options: the chosen objects (ticked), then the first others. */
  choices: Readonly<Record<string, readonly Choice[]>>;
  allowed: Record<Verb, boolean>;
}

interface Choice {
  id: string;
  label: string;
  checked: boolean;
}

/** The fields this actor edits in the forms: the model's editable ones it may read and set (field rules). */
export function editableFor(entry: AdminModel, actor: Actor): string[] {
  const hidden = hiddenFields(entry.runtime.plan, actor);
  const writeRules = entry.runtime.plan.writeRules;
  return entry.editable.filter((a) => !hidden.has(a) && writeRules.get(a)?.(actor) !== false);
}

function FormView(props: FormProps): Html {
  const { site, entry, object, values, errors } = props;
  const t = tr(props.view);
  const hidden = hiddenFields(entry.runtime.plan, props.actor);
  const editable = props.editable ? editableFor(entry, props.actor) : [];
  // An error of a field the form does not show (a required field the user may not set) goes on top.
  const general = [
    ...props.general,
    ...Object.entries(errors)
      .filter(
        ([name]) => !editable.includes(name) && !entry.inlines.some((i) => name.startsWith(`${i.relation}-`)),
      )
      .map(([name, message]) => `${fieldLabel(entry, name)}: ${message}`),
  ];
  const shown = object
    ? entry.runtime.plan.readable.filter((a) => a !== 'id' && !editable.includes(a) && !hidden.has(a))
    : [];
  const required = new Set(object ? [] : entry.runtime.plan.required);
  const label = entry.model.meta.label;
  const title = object
    ? t.t(props.editable ? 'admin.form.change' : 'admin.form.view', {
        name: label.toLowerCase(),
        object: objectLabel(entry, object),
      })
    : t.t('admin.form.add', { name: label.toLowerCase() });
  const base = `${site.prefix}/${entry.key}`;
  const sets = entry.fieldsets ?? [{ fields: [...editable, ...shown] }];
  const editableRow = (attribute: string) => {
    const meta = metaOf(entry.model, attribute)!;
    const error = errors[attribute];
    const related = props.related[attribute];
    const widget = {
      meta,
      name: attribute,
      id: `id_${attribute}`,
      value: values[attribute] ?? '',
      required: required.has(attribute) && meta.kind !== 'boolean',
      invalid: error !== undefined,
    };
    const custom = entry.widgets.get(attribute);
    return (
      <div class="field">
        <label for={`id_${attribute}`}>{meta.label}</label>
        {custom ? (
          custom(widget)
        ) : meta.kind === 'manyToMany' ? (
          <div class="m2m">
            <RelationInput
              view={props.view}
              site={site}
              id={widget.id}
              name={addField(attribute)}
              value={values[addField(attribute)] ?? ''}
              target={meta.relation?.target}
              invalid={widget.invalid}
              describedBy={error !== undefined ? `err_${attribute}` : `add_${attribute}`}
            />
            <p class="help" id={`add_${attribute}`}>
              {t.t('admin.form.m2m.add')}
            </p>
            {(props.choices[attribute] ?? []).length === 0 ? (
              <p class="help">{t.t('admin.form.m2m.none')}</p>
            ) : (
              <ul class="checks">
                {(props.choices[attribute] ?? []).map((choice) => (
                  <li>
                    <label>
                      <input type="checkbox" name={attribute} value={choice.id} checked={choice.checked} />{' '}
                      {choice.label}
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : meta.kind === 'file' ? (
          <FileInput
            {...widget}
            t={t}
            url={object ? `${base}/${String(object.id)}/file/${attribute}` : null}
            file={object?.[attribute]}
            describedBy={
              error !== undefined ? `err_${attribute}` : meta.help ? `help_${attribute}` : undefined
            }
          />
        ) : meta.kind === 'belongsTo' ? (
          <RelationInput
            view={props.view}
            site={site}
            id={widget.id}
            name={attribute}
            value={widget.value}
            target={meta.relation?.target}
            required={widget.required}
            invalid={widget.invalid}
            describedBy={
              error !== undefined ? `err_${attribute}` : meta.help ? `help_${attribute}` : undefined
            }
          />
        ) : (
          <Widget {...widget} />
        )}
        {related ? (
          <span class="help">
            {' '}
            {related.href ? <a href={related.href}>{related.label}</a> : related.label}
          </span>
        ) : null}
        {error ? (
          <p class="errorlist" id={`err_${attribute}`}>
            {error}
          </p>
        ) : null}
        {meta.help ? (
          <p class="help" id={`help_${attribute}`}>
            {meta.help}
          </p>
        ) : null}
      </div>
    );
  };
  const shownRow = (attribute: string) => {
    const meta = metaOf(entry.model, attribute);
    const value = object ? object[attribute] : undefined;
    return (
      <div class="field">
        <span class="label">
          <strong>{meta?.label ?? attribute}</strong>
        </span>
        <div class="readonly">{displayValue(meta, value, t)}</div>
      </div>
    );
  };
  return (
    <Frame
      view={props.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={title}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [entry.group, null],
        [entry.model.meta.pluralLabel, `${base}/`],
        [object ? objectLabel(entry, object) : t.t('admin.add'), null],
      ]}
    >
      {pageBody(
        entry,
        'form',
        { actor: props.actor, view: props.view, title, object },
        <>
          {object ? (
            <p>
              <a href={`${base}/${String(object.id)}/history`}>{t.t('admin.form.history')}</a>
            </p>
          ) : null}
          {general.length > 0 ? (
            <ul class="errorlist" role="alert">
              {general.map((g) => (
                <li>{g}</li>
              ))}
            </ul>
          ) : null}
          <form
            method="post"
            action={object ? `${base}/${String(object.id)}/change` : `${base}/add`}
            enctype={fileFields(entry).length > 0 ? 'multipart/form-data' : undefined}
          >
            <CsrfField view={props.view} />
            {props.version ? <input type="hidden" name={VERSION_FIELD} value={props.version} /> : null}
            {sets.map((set) => {
              const fields = set.fields.filter((a) => editable.includes(a) || shown.includes(a));
              if (fields.length === 0) return null;
              const rows = fields.map((attribute) =>
                editable.includes(attribute) ? editableRow(attribute) : shownRow(attribute),
              );
              return set.title === undefined && set.description === undefined ? (
                <div class="fieldset">{rows}</div>
              ) : (
                <fieldset>
                  {set.title !== undefined ? <legend>{set.title}</legend> : null}
                  {set.description !== undefined ? <p class="help">{set.description}</p> : null}
                  {rows}
                </fieldset>
              );
            })}
            {props.inlines && object ? (
              <Inlines
                site={site}
                pages={props.inlines}
                values={props.general.length > 0 || Object.keys(errors).length > 0 ? values : undefined}
                errors={errors}
                formUrl={`${base}/${String(object.id)}/change`}
                i18n={t}
              />
            ) : null}
            <div class="actions">
              {props.editable ? (
                <button type="submit" class="primary">
                  {t.t('admin.save')}
                </button>
              ) : null}
              {object && props.allowed.delete ? (
                <a href={`${base}/${String(object.id)}/delete`}>{t.t('admin.delete')}</a>
              ) : null}
            </div>
          </form>
        </>,
      )}
    </Frame>
  );
}

/** A file field: the current file (linked, with a preview of an image), a file input, and "remove". */
function FileInput(props: {
  meta: FieldMeta;
  name: string;
  id: string;
  invalid: boolean;
  describedBy: string | undefined;
  url: string | null;
  file: unknown;
  t: Translator;
}): Html {
  const { meta, file, t } = props;
  const current = props.url !== null && isStoredFile(file) ? file : null;
  const name = current ? displayValue(meta, current) : '';
  // SVG may carry script: previewed only as a link, never as an image of the admin's origin.
  const image = current?.contentType?.startsWith('image/') && current.contentType !== 'image/svg+xml';
  return (
    <div class="file">
      {current ? (
        <p class="current-file">
          {t.t('admin.form.file.current')} <a href={props.url!}>{name}</a>
        </p>
      ) : null}
      {current && image ? <img class="preview" src={props.url!} alt={name} /> : null}
      <input
        type="file"
        id={props.id}
        name={props.name}
        accept={meta.accept?.join(',') || undefined}
        aria-invalid={props.invalid ? 'true' : undefined}
        aria-describedby={props.describedBy}
      />
      {current && meta.nullable ? (
        <label class="clear">
          <input type="checkbox" name={clearField(props.name)} /> {t.t('admin.form.file.clear')}
        </label>
      ) : null}
    </div>
  );
}

/**
 * The options of each many-to-many picker: the chosen objects (ticked, whatever their number)
 * and the first others the user may see (a keyset page of the target's collection); more are
 * added by id, searched by the autocomplete with script.
 */
async function manyToManyChoices(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  selected: Readonly<Record<string, readonly string[]>>,
): Promise<Record<string, Choice[]>> {
  const out: Record<string, Choice[]> = {};
  for (const attribute of manyToManyFields(entry)) {
    const ids = [...new Set(selected[attribute] ?? [])];
    const targetName = metaOf(entry.model, attribute)?.relation?.target;
    const target = targetName === undefined ? undefined : registryOf(site).byKey.get(targetName);
    if (!target || !(await verbs(actor, target)).view) {
      out[attribute] = ids.map((id) => ({ id, label: `#${id}`, checked: true }));
      continue;
    }
    const labels = new Map<string, string>();
    if (ids.length > 0) {
      const base = scoped(target.runtime, ctx.db, actor);
      const query = base instanceof Promise ? await base : base;
      const keys = ids.map((id) => (/^\d+$/.test(id) ? Number(id) : id));
      for (const row of (await query.where({ id: { in: keys } } as never).all()) as Row[])
        labels.set(String(row.id), objectLabel(target, row));
    }
    const first = await listObjects(target.pickRuntime, ctx.db, actor, {});
    out[attribute] = [
      ...ids.map((id) => ({ id, label: labels.get(id) ?? `#${id}`, checked: true })),
      ...first.results
        .filter((row) => !ids.includes(String(row.id)))
        .map((row) => ({ id: String(row.id), label: objectLabel(target, row), checked: false })),
    ];
  }
  return out;
}

/** The ids each many-to-many relation of a stored object holds. */
async function currentSets(
  ctx: AdminContext,
  entry: AdminModel,
  id: unknown,
): Promise<Record<string, string[]>> {
  const names = manyToManyFields(entry);
  if (names.length === 0) return {};
  const row = (await ctx.db
    .query(entry.model as never)
    .include(...(names as never[]))
    .get(id as never)) as Row;
  return Object.fromEntries(
    names.map((name) => [name, ((row[name] as Row[] | undefined) ?? []).map((r) => String(r.id))]),
  );
}

/** Labels (and links) of the objects the relation fields point at, read through their own policy. */
async function relatedLabels(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  values: Readonly<Record<string, string>>,
): Promise<Record<string, { label: string; href: string | null }>> {
  const out: Record<string, { label: string; href: string | null }> = {};
  for (const attribute of entry.editable) {
    const meta = metaOf(entry.model, attribute)!;
    const value = values[attribute];
    if (meta.kind !== 'belongsTo' || !value || !meta.relation) continue;
    const target = registryOf(site).byKey.get(meta.relation.target);
    if (!target || !(await verbs(actor, target)).view) continue;
    try {
      const row = await loadObject(target.runtime, ctx.db, actor, idOf(target, value), 'retrieve');
      out[attribute] = {
        label: objectLabel(target, row),
        href: `${site.prefix}/${target.key}/${value}/change`,
      };
    } catch (error) {
      if (!isBasaltError(error) || error.status >= 500) throw error;
      out[attribute] = { label: tr(ctx.view).t('admin.form.notFound'), href: null };
    }
  }
  return out;
}

function relatedName(site: AdminSite, entry: AdminModel, attribute: string): string {
  const target = metaOf(entry.model, attribute)?.relation?.target;
  const model = target === undefined ? undefined : registryOf(site).models.get(target);
  return (model?.meta.label ?? target ?? attribute).toLowerCase();
}

function valuesOf(entry: AdminModel, row: Row): Record<string, string> {
  const values: Record<string, string> = {};
  for (const attribute of entry.editable)
    values[attribute] = inputValue(metaOf(entry.model, attribute)!, row[attribute]);
  return values;
}

function defaultsOf(entry: AdminModel): Record<string, string> {
  const values: Record<string, string> = {};
  for (const attribute of entry.editable) {
    const meta = metaOf(entry.model, attribute)!;
    if (meta.default.kind === 'value') values[attribute] = inputValue(meta, meta.default.value);
  }
  return values;
}

/** Field errors of a refused write (`/isbn` → isbn), and the rest as general messages. */
function writeErrors(
  entry: AdminModel,
  error: BasaltError,
): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const e of error.errors ?? []) {
    const name = e.pointer.replace(/^\/(body\/)?/, '').split('/')[0] ?? '';
    const inline = entry.inlines.some((i) => name.startsWith(`${i.relation}-`));
    if ((inline || entry.editable.includes(name)) && fields[name] === undefined) fields[name] = e.detail;
    else general.push(name ? `${name}: ${e.detail}` : e.detail);
  }
  if (general.length === 0 && Object.keys(fields).length === 0) general.push(error.message);
  return { fields, general };
}

/** The row the form was rendered from must still be the row in the database (REST's If-Match). */
function sameVersion(
  entry: AdminModel,
  version: string | undefined,
  view: ViewContext,
): Precondition | undefined {
  if (!version) return undefined;
  const model = entry.model;
  const conflict = () =>
    new BasaltError(
      'BASALT_HTTP_PRECONDITION_FAILED',
      tr(view).t('admin.form.conflict', { name: model.meta.label.toLowerCase() }),
    );
  return async (db, current) => {
    if (versionOf(current) !== version) throw conflict();
    const locked = await lockForWrite(model, db, current);
    if (locked === undefined) return current;
    if (versionOf(locked.masked) !== version) throw conflict();
    return locked.fresh;
  };
}

export async function showForm(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  id: string | undefined,
): Promise<Html> {
  const allowed = await verbs(actor, entry);
  if (id === undefined) {
    if (!allowed.add) throw forbidden(`You may not add ${entry.model.meta.pluralLabel.toLowerCase()}`);
    const values = defaultsOf(entry);
    return (
      <FormView
        {...{ site, view: ctx.view, entry, actor, object: null, values, errors: {}, general: [] }}
        version={undefined}
        editable
        related={{}}
        choices={await manyToManyChoices(site, ctx, actor, entry, {})}
        allowed={allowed}
      />
    );
  }
  if (!allowed.view) throw forbidden(`You may not view ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const row = await loadObject(entry.runtime, ctx.db, actor, idOf(entry, id), 'retrieve');
  const shown = serialize(entry.runtime.plan, viewOf(entry.runtime, actor, {}, []), row);
  const values = valuesOf(entry, row);
  const query = ctx.request.query as Row;
  const inlines = await inlinePages(site, ctx.db, actor, entry, row, (rel) => single(query, `${rel}-after`));
  return (
    <FormView
      {...{ site, view: ctx.view, entry, actor, object: shown, values, errors: {}, general: [], inlines }}
      version={versionOf(row)}
      editable={allowed.change}
      related={await relatedLabels(site, ctx, actor, entry, values)}
      choices={await manyToManyChoices(site, ctx, actor, entry, await currentSets(ctx, entry, row.id))}
      allowed={allowed}
    />
  );
}

export async function saveForm(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  id: string | undefined,
): Promise<PageResult> {
  const allowed = await verbs(actor, entry);
  const verb = id === undefined ? 'add' : 'change';
  if (!allowed[verb]) throw forbidden(`You may not ${verb} ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const key = id === undefined ? undefined : idOf(entry, id);
  const form = ctx.form!;
  const version = form.values[VERSION_FIELD];
  let current: Row | null = null;
  if (key !== undefined) current = await loadObject(entry.runtime, ctx.db, actor, key, 'partialUpdate');
  const again = async (status: number, errors: Record<string, string>, general: string[]) => {
    const related = await relatedLabels(site, ctx, actor, entry, form.values);
    // A key to a row that does not exist: the database's refusal names no field, the label does.
    for (const [attribute, shown] of Object.entries(related))
      if (shown.href === null && errors[attribute] === undefined)
        errors[attribute] = tr(ctx.view).t('admin.form.noRelated', {
          name: relatedName(site, entry, attribute),
          id: form.values[attribute] ?? '',
        });
    const inlines = current
      ? await inlinePages(site, ctx.db, actor, entry, current, (rel) => form.values[`${rel}-after`])
      : undefined;
    return respond(
      status,
      <FormView
        {...{ site, view: ctx.view, entry, actor, errors, general, allowed }}
        object={current ? serialize(entry.runtime.plan, viewOf(entry.runtime, actor, {}, []), current) : null}
        values={form.values}
        version={version}
        editable
        related={related}
        choices={await manyToManyChoices(site, ctx, actor, entry, form.lists ?? {})}
        {...(inlines ? { inlines } : {})}
      />,
    );
  };
  if (!form.valid) return again(400, { ...form.errors }, [tr(ctx.view).t('admin.form.correct')]);
  const { data, errors } = formData(entry, editableFor(entry, actor), form.data, form.values, tr(ctx.view));
  if (Object.keys(errors).length > 0) return again(400, errors, [tr(ctx.view).t('admin.form.correct')]);
  let saved: Row;
  try {
    saved =
      key === undefined
        ? await createObject(entry.runtime, ctx.db, actor, data, ctx)
        : entry.inlines.length === 0
          ? await updateObject(
              entry.runtime,
              ctx.db,
              actor,
              key,
              data,
              'partialUpdate',
              sameVersion(entry, version, ctx.view),
              ctx,
            )
          : // The parent and its children in one transaction: a refused child writes nothing.
            await ctx.db.transaction(async (tx) => {
              const parent = await updateObject(
                entry.runtime,
                tx,
                actor,
                key,
                data,
                'partialUpdate',
                sameVersion(entry, version, ctx.view),
                ctx,
              );
              await saveInlines(site, tx, actor, entry, parent, form.values, ctx);
              return parent;
            });
  } catch (error) {
    if (!isBasaltError(error)) throw error;
    if (error.code === 'BASALT_HTTP_PRECONDITION_FAILED') return again(409, {}, [error.message]);
    if (error.status === 400 || error.status === 409 || error.status === 422) {
      const { fields, general } = writeErrors(entry, error);
      return again(400, fields, general);
    }
    if (error.status === 403) return again(403, {}, [error.message]);
    throw error;
  }
  await flash(
    ctx as never,
    tr(ctx.view).t(key === undefined ? 'admin.form.added' : 'admin.form.changed', {
      name: entry.model.meta.label.toLowerCase(),
      object: objectLabel(entry, saved),
    }),
    'success',
  );
  return redirect(`${site.prefix}/${entry.key}/${String(saved.id)}/change`);
}
