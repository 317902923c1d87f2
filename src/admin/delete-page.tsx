import { respond } from '../http/index.js';
import type { Actor } from '../ops/index.js';
import { deleteObject, loadObject } from '../ops/internal.js';
import { CsrfField, flash, type PageResult, redirect } from '../views/index.js';
import { CascadeList } from './actions-page.js';
import { cascadeOf } from './cascade.js';
import {
  type AdminContext,
  type AdminSite,
  forbidden,
  idOf,
  pageBody,
  registryOf,
  verbs,
} from './context.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';
import type { AdminModel } from './registry.js';
import { objectLabel } from './render.js';

export async function deletePage(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  confirm: boolean,
): Promise<PageResult> {
  const allowed = await verbs(actor, entry);
  if (!allowed.delete) throw forbidden(`You may not delete ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const key = idOf(entry, ctx.params.id);
  const row = await loadObject(entry.runtime, ctx.db, actor, key, 'delete');
  const label = objectLabel(entry, row);
  const t = tr(ctx.view);
  const name = entry.model.meta.label.toLowerCase();
  const effects = await cascadeOf(ctx.db, registryOf(site).models, entry.model, [row.id]);
  const blocked = effects.some((e) => e.effect === 'block');
  if (confirm && !blocked) {
    await deleteObject(entry.runtime, ctx.db, actor, key, undefined, ctx);
    await flash(ctx as never, t.t('admin.delete.done', { name, object: label }), 'success');
    return redirect(`${site.prefix}/${entry.key}/`);
  }
  const base = `${site.prefix}/${entry.key}`;
  const title = t.t('admin.delete.title');
  const confirmation = (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={title}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [entry.model.meta.pluralLabel, `${base}/`],
        [label, `${base}/${String(row.id)}/change`],
        [t.t('admin.delete'), null],
      ]}
    >
      {pageBody(
        entry,
        'delete',
        { actor, view: ctx.view, title, object: row },
        <>
          <p>{t.t('admin.delete.confirm', { name, object: label })}</p>
          <CascadeList effects={effects} t={t} />
          <form method="post" action={`${base}/${String(row.id)}/delete`}>
            <CsrfField view={ctx.view} />
            <div class="actions">
              {blocked ? null : (
                <button type="submit" class="danger">
                  {t.t('admin.delete.yes')}
                </button>
              )}
              <a href={`${base}/${String(row.id)}/change`}>{t.t('admin.delete.no')}</a>
            </div>
          </form>
        </>,
      )}
    </Frame>
  );
  // A confirmed delete that protected rows refuse: the page again, saying why.
  return confirm ? respond(409, confirmation) : confirmation;
}
