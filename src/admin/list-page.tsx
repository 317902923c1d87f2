import type { Actor } from '../ops/index.js';
import { hiddenFields, listObjects } from '../ops/internal.js';
import type { Html, ViewContext } from '../views/index.js';
import { CsrfField } from '../views/index.js';
import {
  type AdminContext,
  type AdminSite,
  can,
  forbidden,
  href,
  pageBody,
  type Row,
  registryOf,
  verbs,
} from './context.js';
import { Frame } from './layout.js';
import { readListQuery } from './list-query.js';
import { tr } from './messages.js';
import { type AdminModel, metaOf, RANGED } from './registry.js';
import { displayValue, fieldLabel, objectLabel } from './render.js';

export async function listPage(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
): Promise<Html> {
  const allowed = await verbs(actor, entry);
  if (!allowed.view) throw forbidden(`You may not view ${entry.model.meta.pluralLabel}`);
  const t = tr(ctx.view);
  const { params, current, q, o } = readListQuery(entry, ctx.request.query as Row);
  if (entry.relationColumns.size > 0) params.include = [...entry.relationColumns.keys()].join(',');
  const result = await listObjects(entry.runtime, ctx.db, actor, params);
  const hidden = hiddenFields(entry.runtime.plan, actor);
  const columns = entry.columns.filter((c) => !hidden.has(entry.relationColumns.get(c)?.attribute ?? c));
  // A relation column links to the related object when the user may see that model.
  const linked = new Map<string, AdminModel>();
  for (const [column, { target }] of entry.relationColumns) {
    const related = registryOf(site).byKey.get(target);
    if (related && (await verbs(actor, related)).view) linked.set(column, related);
  }
  const actions = [
    ...(allowed.delete ? [{ name: 'delete_selected', label: t.t('admin.list.deleteSelected') }] : []),
    ...(
      await Promise.all(
        entry.actions.map(async (a) => ((await can(actor, entry, a.permission ?? 'change')) ? a : null)),
      )
    ).filter((a) => a !== null),
  ];
  const base = `${site.prefix}/${entry.key}/`;
  const label = entry.model.meta.pluralLabel;
  // The operation layer's next/previous parameters: a page number, or a keyset cursor.
  const pageLink = (p: Row | null | undefined) =>
    p
      ? href(base, {
          ...current,
          cursor: typeof p.cursor === 'string' ? p.cursor : undefined,
          page: typeof p.page === 'string' && p.page !== '1' ? p.page : undefined,
        })
      : null;
  const previous = pageLink(result.previous as Row | null);
  const next = pageLink(result.next as Row | null);
  const table = (
    <table>
      <thead>
        <tr>
          {actions.length > 0 ? (
            <td class="select">
              <input type="checkbox" data-select-all aria-label={t.t('admin.list.selectAll')} />
            </td>
          ) : null}
          {columns.map((column) => {
            const title =
              column === 'id'
                ? 'ID'
                : entry.relationColumns.has(column)
                  ? (entry.model.meta.fields[column]?.label ?? column)
                  : fieldLabel(entry, column);
            if (!entry.sortable.has(column)) return <th scope="col">{title}</th>;
            const sorted = o === column ? 'ascending' : o === `-${column}` ? 'descending' : undefined;
            const toggle = o === column ? `-${column}` : column;
            return (
              <th scope="col" aria-sort={sorted}>
                <a href={href(base, { ...current, o: toggle })}>
                  {title}
                  {sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}
                </a>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {result.results.map((row) => (
          <tr>
            {actions.length > 0 ? (
              <td class="select">
                <input
                  type="checkbox"
                  name="ids"
                  value={String((row as Row).id)}
                  aria-label={t.t('admin.list.select', { name: objectLabel(entry, row as Row) })}
                />
              </td>
            ) : null}
            {columns.map((column, i) => {
              const related = entry.relationColumns.get(column);
              if (related) {
                const object = (row as Row)[column] as Row | null | undefined;
                const target = linked.get(column);
                if (!object) return <td>—</td>;
                const text = target ? objectLabel(target, object) : `#${String(object.id)}`;
                return (
                  <td>
                    {target ? (
                      <a href={`${site.prefix}/${target.key}/${String(object.id)}/change`}>{text}</a>
                    ) : (
                      text
                    )}
                  </td>
                );
              }
              const text = displayValue(
                metaOf(entry.model, column),
                (row as Row)[column],
                column === 'id' ? undefined : t,
              );
              return i === 0 ? (
                <td>
                  <a href={`${site.prefix}/${entry.key}/${String((row as Row).id)}/change`}>{text}</a>
                </td>
              ) : (
                <td>{text}</td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={label}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [entry.group, null],
        [label, null],
      ]}
    >
      {pageBody(
        entry,
        'list',
        { actor, view: ctx.view, title: label, object: null },
        <>
          {allowed.add ? (
            <p>
              <a class="button" href={`${site.prefix}/${entry.key}/add`}>
                {t.t('admin.list.add', { name: entry.model.meta.label.toLowerCase() })}
              </a>
            </p>
          ) : null}
          {entry.searchable || entry.filters.length > 0 ? (
            <form method="get" action={base} class="filters">
              {entry.searchable ? (
                <>
                  <label for="id_q">{t.t('admin.list.search')}</label>
                  <input type="text" id="id_q" name="q" value={q ?? ''} />
                </>
              ) : null}
              {entry.filters.map((name) => {
                const meta = metaOf(entry.model, name)!;
                if (RANGED.has(meta.kind))
                  return (
                    <fieldset class="range">
                      <legend>{meta.label}</legend>
                      <label for={`id_f_${name}_gte`}>{t.t('admin.list.from')}</label>{' '}
                      <input
                        type="date"
                        id={`id_f_${name}_gte`}
                        name={`${name}[gte]`}
                        value={current[`${name}[gte]`] ?? ''}
                      />{' '}
                      <label for={`id_f_${name}_lte`}>{t.t('admin.list.to')}</label>{' '}
                      <input
                        type="date"
                        id={`id_f_${name}_lte`}
                        name={`${name}[lte]`}
                        value={current[`${name}[lte]`] ?? ''}
                      />
                    </fieldset>
                  );
                const value = current[name] ?? '';
                const options: [string, string][] =
                  meta.kind === 'boolean'
                    ? [
                        ['true', t.t('admin.yes')],
                        ['false', t.t('admin.no')],
                      ]
                    : (meta.choices ?? []).map((c) => [c.value, c.label]);
                return (
                  <span>
                    <label for={`id_f_${name}`}>{meta.label}</label>{' '}
                    {meta.kind === 'belongsTo' ? (
                      <RelationInput
                        view={ctx.view}
                        site={site}
                        id={`id_f_${name}`}
                        name={name}
                        value={value}
                        target={meta.relation?.target}
                      />
                    ) : (
                      <select id={`id_f_${name}`} name={name}>
                        <option value="">{t.t('admin.all')}</option>
                        {options.map(([v, l]) => (
                          <option value={v} selected={v === value}>
                            {l}
                          </option>
                        ))}
                      </select>
                    )}
                  </span>
                );
              })}
              {o ? <input type="hidden" name="o" value={o} /> : null}
              <button type="submit">{t.t('admin.apply')}</button>
            </form>
          ) : null}
          {actions.length > 0 ? (
            <form method="post" action={`${site.prefix}/${entry.key}/actions`}>
              <CsrfField view={ctx.view} />
              <div class="bulk">
                <label for="id_action">{t.t('admin.list.action')}</label>{' '}
                <select id="id_action" name="action" required>
                  <option value="">---------</option>
                  {actions.map((a) => (
                    <option value={a.name}>{a.label}</option>
                  ))}
                </select>{' '}
                <button type="submit">{t.t('admin.go')}</button>
              </div>
              {table}
            </form>
          ) : (
            table
          )}
          {result.results.length === 0 ? (
            <p>{t.t('admin.list.none', { name: label.toLowerCase() })}</p>
          ) : null}
          {result.count !== undefined && result.results.length > 0 ? (
            <p class="count" data-estimate={result.countIsEstimate ? 'true' : undefined}>
              {t.t(result.countIsEstimate ? 'admin.list.estimate' : 'admin.list.count', {
                count: result.count,
                name: entry.model.meta.label.toLowerCase(),
                plural: label.toLowerCase(),
              })}
            </p>
          ) : null}
          <nav class="pager" aria-label={t.t('admin.list.pages')}>
            <a href={href(`${base}export.csv`, current)} download>
              {t.t('admin.list.export')}
            </a>
            {previous ? (
              <a rel="prev" href={previous}>
                {t.t('admin.list.previous')}
              </a>
            ) : null}
            {next ? (
              <a rel="next" href={next}>
                {t.t('admin.list.next')}
              </a>
            ) : null}
          </nav>
        </>,
      )}
    </Frame>
  );
}

/**
 * The input of a related object's id: a plain text input that works without script, with a
 * link to the related list to look the id up; admin.js turns it into a search (a datalist
 * filled from the model's autocomplete endpoint).
 */
export function RelationInput(props: {
  site: AdminSite;
  id: string;
  name: string;
  value: string;
  target: string | undefined;
  required?: boolean;
  invalid?: boolean;
  describedBy?: string | undefined;
  view: ViewContext;
}): Html {
  const target = props.target === undefined ? undefined : props.site.registry?.byKey.get(props.target);
  return (
    <>
      <input
        type="text"
        inputmode="numeric"
        id={props.id}
        name={props.name}
        value={props.value}
        required={props.required ?? false}
        aria-invalid={props.invalid ? 'true' : undefined}
        aria-describedby={props.describedBy}
        autocomplete="off"
        data-autocomplete={target ? `${props.site.prefix}/${target.key}/autocomplete` : undefined}
        list={target ? `${props.id}_choices` : undefined}
      />
      {target ? (
        <>
          <datalist id={`${props.id}_choices`} />{' '}
          <a href={`${props.site.prefix}/${target.key}/`} target="_blank" rel="noopener" class="lookup">
            {tr(props.view).t('admin.list.find', { name: target.model.meta.label.toLowerCase() })}
          </a>
        </>
      ) : null}
    </>
  );
}
