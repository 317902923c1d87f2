import { type Actor, type AuditRecord, auditLog } from '../ops/index.js';
import { hiddenFields, loadObject } from '../ops/internal.js';
import type { Html } from '../views/index.js';
import {
  type AdminContext,
  type AdminSite,
  badQuery,
  forbidden,
  href,
  idOf,
  pageBody,
  type Row,
  single,
  verbs,
} from './context.js';
import { Frame } from './layout.js';
import { type AdminModel, metaOf } from './registry.js';
import { objectLabel } from './render.js';

function changeText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function historyPage(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
): Promise<Html> {
  const allowed = await verbs(actor, entry);
  if (!allowed.view) throw forbidden(`You may not view ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const key = idOf(entry, ctx.params.id);
  const row = await loadObject(entry.runtime, ctx.db, actor, key, 'retrieve');
  const label = objectLabel(entry, row);
  const base = `${site.prefix}/${entry.key}`;
  const before = single(ctx.request.query as Row, 'before');
  let entries: AuditRecord[] = [];
  let next: string | null = null;
  if (site.audited) {
    const hidden = hiddenFields(entry.runtime.plan, actor);
    if (before !== undefined && !/^\d{1,15}$/.test(before)) throw badQuery('before', 'must be an entry id');
    const history = await auditLog(ctx.db).forObject(entry.model, key, {
      limit: 50,
      ...(before ? { before: Number(before) } : {}),
    });
    entries = history.entries.map((e) => ({
      ...e,
      changes: Object.fromEntries(Object.entries(e.changes ?? {}).filter(([field]) => !hidden.has(field))),
    }));
    next = history.next === null ? null : String(history.next);
  }
  return (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={`History: ${label}`}
      crumbs={[
        ['Home', `${site.prefix}/`],
        [entry.model.meta.pluralLabel, `${base}/`],
        [label, `${base}/${String(row.id)}/change`],
        ['History', null],
      ]}
    >
      {pageBody(
        entry,
        'history',
        { actor, view: ctx.view, title: `History: ${label}`, object: row },
        <>
          {!site.audited ? (
            <p>Changes are not recorded: add audit() of basalt/ops to the app’s modules to keep a history.</p>
          ) : entries.length === 0 ? (
            <p>This object has no recorded history.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Date/time</th>
                  <th scope="col">User</th>
                  <th scope="col">Action</th>
                  <th scope="col">Changes</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr>
                    <td>
                      <time datetime={e.at.toISOString()}>
                        {e.at.toISOString().replace('T', ' ').slice(0, 19)}
                      </time>
                    </td>
                    <td>{e.actor.label ?? e.actor.kind}</td>
                    <td>{e.action}</td>
                    <td>
                      <ul>
                        {Object.entries(e.changes).map(([field, change]) => {
                          const [from, to] = change as [unknown, unknown];
                          return (
                            <li>
                              <strong>{metaOf(entry.model, field)?.label ?? field}</strong>
                              {`: ${changeText(from)} → ${changeText(to)}`}
                            </li>
                          );
                        })}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {next ? (
            <nav class="pager">
              <a rel="next" href={href(`${base}/${String(row.id)}/history`, { before: next })}>
                Older ›
              </a>
            </nav>
          ) : null}
        </>,
      )}
    </Frame>
  );
}
