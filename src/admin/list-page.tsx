import type { Actor } from '../ops/index.js';
import { hiddenFields, listObjects } from '../ops/internal.js';
import type { Html } from '../views/index.js';
import {
  type AdminContext,
  type AdminSite,
  badQuery,
  forbidden,
  href,
  type Row,
  single,
  verbs,
} from './context.js';
import { Frame } from './layout.js';
import { type AdminModel, metaOf } from './registry.js';
import { displayValue, fieldLabel } from './render.js';

const RESERVED = new Set(['q', 'o', 'cursor']);

export async function listPage(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
): Promise<Html> {
  const allowed = await verbs(actor, entry);
  if (!allowed.view) throw forbidden(`You may not view ${entry.model.meta.pluralLabel}`);
  const query = ctx.request.query as Row;
  for (const name of Object.keys(query))
    if (!RESERVED.has(name) && !entry.filters.includes(name))
      throw badQuery(name, 'is not a filter of this list');
  const q = single(query, 'q');
  const o = single(query, 'o');
  const cursor = single(query, 'cursor');
  const current: Record<string, string | undefined> = { q, o };
  const params: Row = {};
  if (q !== undefined && q.trim() !== '') {
    if (q.length > 200) throw badQuery('q', 'is longer than 200 characters');
    params.search = q;
  }
  if (o !== undefined && o !== '') {
    if (!entry.sortable.has(o.replace(/^-/, ''))) throw badQuery('o', `'${o}' is not a column to sort by`);
    params.ordering = o;
  }
  if (cursor !== undefined) params.cursor = cursor;
  for (const name of entry.filters) {
    const value = single(query, name);
    if (value === undefined || value === '') continue;
    current[name] = value;
    const meta = metaOf(entry.model, name)!;
    if (meta.kind === 'boolean') {
      if (value !== 'true' && value !== 'false') throw badQuery(name, 'must be true or false');
      params[name] = value === 'true';
    } else if (meta.kind === 'enum') {
      if (!meta.choices?.some((c) => c.value === value))
        throw badQuery(name, `must be one of ${(meta.choices ?? []).map((c) => c.value).join(', ')}`);
      params[name] = value;
    } else {
      if (!/^\d{1,15}$/.test(value)) throw badQuery(name, 'must be an id');
      params[name] = Number(value);
    }
  }
  const result = await listObjects(entry.runtime, ctx.db, actor, params);
  const hidden = hiddenFields(entry.runtime.plan, actor);
  const columns = entry.columns.filter((c) => !hidden.has(c));
  const base = `${site.prefix}/${entry.key}/`;
  const label = entry.model.meta.pluralLabel;
  const pageLink = (p: Row | null | undefined) =>
    p ? href(base, { ...current, cursor: typeof p.cursor === 'string' ? p.cursor : undefined }) : null;
  const previous = pageLink(result.previous as Row | null);
  const next = pageLink(result.next as Row | null);
  return (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={label}
      crumbs={[
        ['Home', `${site.prefix}/`],
        [entry.group, null],
        [label, null],
      ]}
    >
      {allowed.add ? (
        <p>
          <a class="button" href={`${site.prefix}/${entry.key}/add`}>{`Add ${entry.model.meta.label}`}</a>
        </p>
      ) : null}
      {entry.searchable || entry.filters.length > 0 ? (
        <form method="get" action={base} class="filters">
          {entry.searchable ? (
            <>
              <label for="id_q">Search</label>
              <input type="text" id="id_q" name="q" value={q ?? ''} />
            </>
          ) : null}
          {entry.filters.map((name) => {
            const meta = metaOf(entry.model, name)!;
            const value = current[name] ?? '';
            const options: [string, string][] =
              meta.kind === 'boolean'
                ? [
                    ['true', 'Yes'],
                    ['false', 'No'],
                  ]
                : (meta.choices ?? []).map((c) => [c.value, c.label]);
            return (
              <span>
                <label for={`id_f_${name}`}>{meta.label}</label>{' '}
                {meta.kind === 'belongsTo' ? (
                  <input type="text" inputmode="numeric" id={`id_f_${name}`} name={name} value={value} />
                ) : (
                  <select id={`id_f_${name}`} name={name}>
                    <option value="">All</option>
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
          <button type="submit">Apply</button>
        </form>
      ) : null}
      <table>
        <thead>
          <tr>
            {columns.map((column) => {
              const title = column === 'id' ? 'ID' : fieldLabel(entry, column);
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
              {columns.map((column, i) => {
                const text = displayValue(metaOf(entry.model, column), (row as Row)[column]);
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
      {result.results.length === 0 ? <p>{`No ${label.toLowerCase()} found.`}</p> : null}
      <nav class="pager" aria-label="Pages">
        {previous ? (
          <a rel="prev" href={previous}>
            ‹ Previous
          </a>
        ) : null}
        {next ? (
          <a rel="next" href={next}>
            More ›
          </a>
        ) : null}
      </nav>
    </Frame>
  );
}
