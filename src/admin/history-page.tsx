import { type Actor, type AuditRecord, auditLog } from '../ops/index.js';
import { hiddenFields, loadObject } from '../ops/internal.js';
import type { Html, Translator } from '../views/index.js';
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
import { tr } from './messages.js';
import { type AdminModel, metaOf } from './registry.js';
import { displayValue, objectLabel } from './render.js';

function actionText(t: Translator, action: string): string {
  const key = `admin.history.${action}`;
  return t.has(key) ? t.t(key) : action;
}

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
  const t = tr(ctx.view);
  const title = t.t('admin.history.title', { object: label });
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
      title={title}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [entry.model.meta.pluralLabel, `${base}/`],
        [label, `${base}/${String(row.id)}/change`],
        [t.t('admin.form.history'), null],
      ]}
    >
      {pageBody(
        entry,
        'history',
        { actor, view: ctx.view, title, object: row },
        <>
          {!site.audited ? (
            <p>{t.t('admin.history.off')}</p>
          ) : entries.length === 0 ? (
            <p>{t.t('admin.history.empty')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.t('admin.history.when')}</th>
                  <th scope="col">{t.t('admin.history.user')}</th>
                  <th scope="col">{t.t('admin.history.action')}</th>
                  <th scope="col">{t.t('admin.history.changes')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr>
                    <td>
                      <time datetime={e.at.toISOString()}>{displayValue(undefined, e.at, t)}</time>
                    </td>
                    <td>{e.actor.label ?? e.actor.kind}</td>
                    <td>{actionText(t, e.action)}</td>
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
                {t.t('admin.history.older')}
              </a>
            </nav>
          ) : null}
        </>,
      )}
    </Frame>
  );
}
