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
  const effects = await cascadeOf(ctx.db, registryOf(site).models, entry.model, [row.id]);
  const blocked = effects.some((e) => e.effect === 'block');
  if (confirm && !blocked) {
    await deleteObject(entry.runtime, ctx.db, actor, key, undefined, ctx);
    await flash(
      ctx as never,
      `The ${entry.model.meta.label.toLowerCase()} “${label}” was deleted.`,
      'success',
    );
    return redirect(`${site.prefix}/${entry.key}/`);
  }
  const base = `${site.prefix}/${entry.key}`;
  const title = 'Are you sure?';
  const confirmation = (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={title}
      crumbs={[
        ['Home', `${site.prefix}/`],
        [entry.model.meta.pluralLabel, `${base}/`],
        [label, `${base}/${String(row.id)}/change`],
        ['Delete', null],
      ]}
    >
      {pageBody(
        entry,
        'delete',
        { actor, view: ctx.view, title, object: row },
        <>
          <p>{`Are you sure you want to delete the ${entry.model.meta.label.toLowerCase()} “${label}”?`}</p>
          <CascadeList effects={effects} />
          <form method="post" action={`${base}/${String(row.id)}/delete`}>
            <CsrfField view={ctx.view} />
            <div class="actions">
              {blocked ? null : (
                <button type="submit" class="danger">
                  Yes, delete
                </button>
              )}
              <a href={`${base}/${String(row.id)}/change`}>No, take me back</a>
            </div>
          </form>
        </>,
      )}
    </Frame>
  );
  // A confirmed delete that protected rows refuse: the page again, saying why.
  return confirm ? respond(409, confirmation) : confirmation;
}
