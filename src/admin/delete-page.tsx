import type { Actor } from '../ops/index.js';
import { deleteObject, loadObject } from '../ops/internal.js';
import { CsrfField, flash, type PageResult, redirect } from '../views/index.js';
import { type AdminContext, type AdminSite, forbidden, idOf, verbs } from './context.js';
import { Frame } from './layout.js';
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
  if (confirm) {
    await deleteObject(entry.runtime, ctx.db, actor, key, undefined, ctx);
    await flash(
      ctx as never,
      `The ${entry.model.meta.label.toLowerCase()} “${label}” was deleted.`,
      'success',
    );
    return redirect(`${site.prefix}/${entry.key}/`);
  }
  const base = `${site.prefix}/${entry.key}`;
  return (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title="Are you sure?"
      crumbs={[
        ['Home', `${site.prefix}/`],
        [entry.model.meta.pluralLabel, `${base}/`],
        [label, `${base}/${String(row.id)}/change`],
        ['Delete', null],
      ]}
    >
      <p>{`Are you sure you want to delete the ${entry.model.meta.label.toLowerCase()} “${label}”? Related objects that depend on it may be deleted with it.`}</p>
      <form method="post" action={`${base}/${String(row.id)}/delete`}>
        <CsrfField view={ctx.view} />
        <div class="actions">
          <button type="submit" class="danger">
            Yes, delete
          </button>
          <a href={`${base}/${String(row.id)}/change`}>No, take me back</a>
        </div>
      </form>
    </Frame>
  );
}
