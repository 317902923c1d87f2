import { BasaltError, isBasaltError } from '../core/index.js';
import { respond, t } from '../http/index.js';
import type { Actor } from '../ops/index.js';
import { deleteObject, scoped } from '../ops/internal.js';
import { CsrfField, flash, type Html, type PageResult, redirect, type Translator } from '../views/index.js';
import { type CascadeEffect, cascadeOf } from './cascade.js';
import {
  type AdminContext,
  type AdminSite,
  badQuery,
  can,
  forbidden,
  pageBody,
  type Row,
  registryOf,
} from './context.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';
import type { AdminModel } from './registry.js';
import { objectLabel } from './render.js';

/** Most rows one bulk action takes (a list page shows at most 500). */
export const MAX_SELECTED = 500;

/** The form of the list's action menu: the action, the ticked rows, and the confirmation of a delete. */
export const ActionForm = t.Object({
  action: t.String({ maxLength: 60 }),
  ids: t.Optional(
    t.Array(t.String({ pattern: '^(\\d{1,15}|[0-9a-fA-F-]{36})$' }), { maxItems: MAX_SELECTED }),
  ),
  confirm: t.Optional(t.String({ maxLength: 10 })),
});

/** What the deleted rows take with them, in words, and whether anything blocks the delete. */
export function CascadeList(props: { effects: readonly CascadeEffect[]; t: Translator }): Html {
  const { t } = props;
  const deleted = props.effects.filter((e) => e.effect === 'delete');
  const unlinked = props.effects.filter((e) => e.effect === 'unlink');
  const blocking = props.effects.filter((e) => e.effect === 'block');
  const name = (e: CascadeEffect) =>
    `${t.number(e.count)} ${(e.count === 1 ? e.model.meta.label : e.model.meta.pluralLabel).toLowerCase()}`;
  return (
    <>
      {blocking.length > 0 ? (
        <div role="alert">
          <p>{t.t('admin.delete.blocked')}</p>
          <ul class="cascade blocked">
            {blocking.map((e) => (
              <li>{t.t('admin.delete.through', { objects: name(e), field: e.field })}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {deleted.length > 0 ? (
        <>
          <p>{t.t('admin.delete.cascades')}</p>
          <ul class="cascade">
            {deleted.map((e) => (
              <li>{t.t('admin.delete.through', { objects: name(e), field: e.field })}</li>
            ))}
          </ul>
        </>
      ) : null}
      {unlinked.length > 0 ? (
        <>
          <p>{t.t('admin.delete.unlinks')}</p>
          <ul class="cascade">
            {unlinked.map((e) => (
              <li>{t.t('admin.delete.emptied', { objects: name(e), field: e.field })}</li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** The selected ids the actor may see (the collection's scope drops the others), as stored. */
async function visibleRows(ctx: AdminContext, actor: Actor, entry: AdminModel, ids: readonly string[]) {
  const keys = ids.map((id) => (entry.model.meta.primaryKey.type === 'integer' ? Number(id) : id));
  const base = scoped(entry.runtime, ctx.db, actor);
  const query = base instanceof Promise ? await base : base;
  return (await query.where({ id: { in: keys } } as never).all()) as Row[];
}

/**
 * The list's action menu (`POST /admin/<model>/actions`): "Delete selected" asks first, on a
 * page listing what will be deleted with the rows; a custom action runs on the ids and its
 * message is flashed on the list.
 */
export async function bulkAction(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
): Promise<PageResult> {
  const form = ctx.form!;
  const t = tr(ctx.view);
  if (!form.valid)
    throw badQuery(Object.keys(form.errors)[0] ?? 'action', Object.values(form.errors)[0] ?? '');
  const data = form.data as { action: string; ids?: string[]; confirm?: string };
  const list = `${site.prefix}/${entry.key}/`;
  const custom = entry.actions.find((a) => a.name === data.action);
  if (data.action !== 'delete_selected' && !custom)
    throw new BasaltError('BASALT_VALIDATION_FAILED', `There is no action '${data.action}' on this list`, {
      errors: [{ pointer: '/action', detail: 'is not an action of this list' }],
    });
  if (!(await can(actor, entry, custom ? (custom.permission ?? 'change') : 'delete')))
    throw forbidden(`You may not run this action on ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const ids = [...new Set(data.ids ?? [])];
  if (ids.length === 0) {
    await flash(ctx as never, t.t('admin.actions.nothing'), 'warning');
    return redirect(list);
  }
  const rows = await visibleRows(ctx, actor, entry, ids);
  if (custom) {
    let message: unknown;
    try {
      message = await custom.run(
        rows.map((r) => r.id as number | string),
        { actor, db: ctx.db, model: entry.model },
      );
    } catch (error) {
      if (!isBasaltError(error) || error.status >= 500) throw error;
      await flash(ctx as never, error.message, 'error');
      return redirect(list);
    }
    await flash(
      ctx as never,
      typeof message === 'string'
        ? message
        : t.t('admin.actions.done', { action: custom.label, count: rows.length }),
      'success',
    );
    return redirect(list);
  }
  const effects = await cascadeOf(
    ctx.db,
    registryOf(site).models,
    entry.model,
    rows.map((r) => r.id),
  );
  const blocked = effects.some((e) => e.effect === 'block');
  const plural = entry.model.meta.pluralLabel.toLowerCase();
  if (data.confirm === 'yes' && !blocked) {
    for (const row of rows) await deleteObject(entry.runtime, ctx.db, actor, row.id, undefined, ctx);
    await flash(
      ctx as never,
      t.t('admin.delete.doneMany', {
        count: rows.length,
        name: entry.model.meta.label.toLowerCase(),
        plural,
      }),
      'success',
    );
    return redirect(list);
  }
  const title = t.t('admin.delete.title');
  const confirmation = (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={title}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [entry.model.meta.pluralLabel, list],
        [t.t('admin.list.deleteSelected'), null],
      ]}
    >
      {pageBody(
        entry,
        'delete',
        { actor, view: ctx.view, title, object: null },
        <>
          <p>{t.t('admin.delete.confirmMany', { count: rows.length, plural })}</p>
          <ul class="objects">
            {rows.map((row) => (
              <li>
                <a href={`${list}${String(row.id)}/change`}>{objectLabel(entry, row)}</a>
              </li>
            ))}
          </ul>
          <CascadeList effects={effects} t={t} />
          <form method="post" action={`${list}actions`}>
            <CsrfField view={ctx.view} />
            <input type="hidden" name="action" value="delete_selected" />
            {rows.map((row) => (
              <input type="hidden" name="ids" value={String(row.id)} />
            ))}
            <input type="hidden" name="confirm" value="yes" />
            <div class="actions">
              {blocked ? null : (
                <button type="submit" class="danger">
                  {t.t('admin.delete.yes')}
                </button>
              )}
              <a href={list}>{t.t('admin.delete.no')}</a>
            </div>
          </form>
        </>,
      )}
    </Frame>
  );
  // A confirmed delete that the protected rows refuse: the page again, saying why.
  return data.confirm === 'yes' ? respond(409, confirmation) : confirmation;
}
