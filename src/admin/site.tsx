import type { TObject } from '@sinclair/typebox';
import { type AnyEndpoint, type EndpointSpec, get, respond } from '../http/index.js';
import type { Actor } from '../ops/index.js';
import { type Html, type ModelForm, type PageResult, redirect } from '../views/index.js';
import { ActionForm, bulkAction } from './actions-page.js';
import { adminPage } from './admin-page.js';
import { ADMIN_CSS, ADMIN_JS, cssPath, jsPath } from './assets.js';
import {
  type AdminContext,
  type AdminSite,
  entryOf,
  notFound,
  registryOf,
  staffPage,
  type Verb,
  verbs,
} from './context.js';
import { dataRoutes } from './data-routes.js';
import { deletePage } from './delete-page.js';
import { saveForm, showForm } from './form-page.js';
import { fileFields, formSchema } from './forms.js';
import { historyPage } from './history-page.js';
import { inlineSchema } from './inlines.js';
import { jobsPages } from './jobs-page.js';
import { Frame } from './layout.js';
import { listPage } from './list-page.js';
import { loginPages } from './login-page.js';
import { mediaPages } from './media-page.js';
import { tr } from './messages.js';
import { passwordPages } from './password-page.js';
import { type AdminModel, metaOf } from './registry.js';

async function indexPage(site: AdminSite, ctx: AdminContext, actor: Actor): Promise<Html> {
  const groups: { name: string; models: { entry: AdminModel; verbs: Record<Verb, boolean> }[] }[] = [];
  for (const group of registryOf(site).groups) {
    const models = [];
    for (const entry of group.models) {
      const allowed = await verbs(actor, entry);
      if (allowed.view || allowed.add || allowed.delete) models.push({ entry, verbs: allowed });
    }
    if (models.length > 0) groups.push({ name: group.name, models });
  }
  const t = tr(ctx.view);
  return (
    <Frame view={ctx.view} prefix={site.prefix} siteTitle={site.title} title={t.t('admin.index.title')}>
      {groups.length === 0 ? <p>{t.t('admin.index.nothing')}</p> : null}
      {(ctx as { jobs?: unknown }).jobs ? (
        <p>
          <a href={`${site.prefix}/jobs/`}>{t.t('admin.index.jobs')}</a>
        </p>
      ) : null}
      {(ctx as { storage?: unknown }).storage && actor.isSuperuser ? (
        <p>
          <a href={`${site.prefix}/media/`}>{t.t('admin.index.media')}</a>
        </p>
      ) : null}
      {groups.map((g) => (
        <section class="group" aria-labelledby={`group_${g.name}`}>
          <h2 id={`group_${g.name}`}>{g.name}</h2>
          <table>
            <tbody>
              {g.models.map(({ entry, verbs: v }) => (
                <tr>
                  <th scope="row">
                    {v.view ? (
                      <a href={`${site.prefix}/${entry.key}/`}>{entry.model.meta.pluralLabel}</a>
                    ) : (
                      entry.model.meta.pluralLabel
                    )}
                  </th>
                  <td>{v.add ? <a href={`${site.prefix}/${entry.key}/add`}>{t.t('admin.add')}</a> : null}</td>
                  <td>
                    {v.view ? (
                      <a href={`${site.prefix}/${entry.key}/`}>
                        {t.t(v.change ? 'admin.change' : 'admin.view')}
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </Frame>
  );
}

type FormKind = 'add' | 'change' | 'delete' | 'actions';

/**
 * The form of a model with file fields as views' model forms are, so `page()` streams each
 * file into its storage (sniffed, size-limited, removed again if the form is refused);
 * the plain schema otherwise.
 */
function uploadingForm(entry: AdminModel, schema: ReturnType<typeof formSchema>): ModelForm | typeof schema {
  const files = fileFields(entry);
  if (files.length === 0) return schema;
  return {
    model: entry.model,
    schema: schema as TObject,
    fields: files.map((name) => {
      const meta = metaOf(entry.model, name)!;
      return {
        name,
        label: meta.label,
        help: meta.help,
        required: false,
        max: null,
        widget: { kind: 'file', accept: meta.accept },
      };
    }),
  };
}

/** Every route of the admin: pages over every model, the login and the style sheet. */
export function adminRoutes(site: AdminSite): AnyEndpoint[] {
  const p = site.prefix;
  const on = (path: string, handler: (ctx: AdminContext, actor: Actor) => PageResult | Promise<PageResult>) =>
    adminPage(path, {}, staffPage(site, handler) as never) as AnyEndpoint;
  // A POST form's fields depend on the model: the route reads nothing itself and hands the
  // request to the model's own page (its form schema), which reads the body and checks CSRF.
  const forms = new Map<string, AnyEndpoint>();
  const formPage = (entry: AdminModel, kind: FormKind): AnyEndpoint => {
    const cacheKey = `${entry.key}\u0000${kind}`;
    let endpoint = forms.get(cacheKey);
    if (endpoint === undefined) {
      const options =
        kind === 'delete'
          ? {}
          : {
              form:
                kind === 'actions'
                  ? ActionForm
                  : uploadingForm(
                      entry,
                      formSchema(entry, kind === 'add', kind === 'change' ? inlineSchema(site, entry) : {}),
                    ),
            };
      endpoint = adminPage(
        `${p}/${kind}`,
        { method: 'POST', ...options },
        staffPage(site, (ctx, actor) =>
          kind === 'delete'
            ? deletePage(site, ctx, actor, entry, true)
            : kind === 'actions'
              ? bulkAction(site, ctx, actor, entry)
              : saveForm(site, ctx, actor, entry, kind === 'add' ? undefined : ctx.params.id),
        ) as never,
      ) as AnyEndpoint;
      forms.set(cacheKey, endpoint);
    }
    return endpoint;
  };
  const post = (path: string, kind: FormKind): AnyEndpoint => {
    const spec: EndpointSpec = { hidden: true, streamBody: true, csrf: 'form', summary: `Admin ${kind}` };
    return {
      kind: 'endpoint',
      method: 'POST',
      path,
      spec,
      handler: ((ctx: AdminContext) => {
        const entry = registryOf(site).byKey.get(ctx.params.model ?? '');
        if (!entry) throw notFound(`There is no model '${ctx.params.model ?? ''}' in the admin`);
        return (formPage(entry, kind).handler as unknown as (c: AdminContext) => unknown)(ctx);
      }) as never,
    } as AnyEndpoint;
  };
  const asset = (path: string, type: string, body: string) =>
    get(path, { hidden: true, summary: 'Admin asset' }, () =>
      respond(200, body, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' }),
    ) as AnyEndpoint;
  return [
    ...loginPages(site),
    ...dataRoutes(site),
    ...passwordPages(site),
    ...jobsPages(site),
    ...mediaPages(site),
    asset(cssPath(p), 'text/css; charset=utf-8', ADMIN_CSS),
    asset(jsPath(p), 'text/javascript; charset=utf-8', ADMIN_JS),
    on(`${p}/`, (ctx, actor) => indexPage(site, ctx, actor)),
    // `/admin` and `/admin/book` are the index and the list, with their slash.
    adminPage(p, {}, () => redirect(`${p}/`, { status: 301 })) as AnyEndpoint,
    adminPage(`${p}/:model`, {}, (ctx) =>
      redirect(`${p}/${encodeURIComponent(String((ctx.params as Record<string, string>).model))}/`, {
        status: 301,
      }),
    ) as AnyEndpoint,
    on(`${p}/:model/`, (ctx, actor) => listPage(site, ctx, actor, entryOf(site, ctx.params.model))),
    on(`${p}/:model/add`, (ctx, actor) =>
      showForm(site, ctx, actor, entryOf(site, ctx.params.model), undefined),
    ),
    on(`${p}/:model/:id/change`, (ctx, actor) =>
      showForm(site, ctx, actor, entryOf(site, ctx.params.model), ctx.params.id),
    ),
    on(`${p}/:model/:id/delete`, (ctx, actor) =>
      deletePage(site, ctx, actor, entryOf(site, ctx.params.model), false),
    ),
    on(`${p}/:model/:id/history`, (ctx, actor) =>
      historyPage(site, ctx, actor, entryOf(site, ctx.params.model)),
    ),
    post(`${p}/:model/add`, 'add'),
    post(`${p}/:model/actions`, 'actions'),
    post(`${p}/:model/:id/change`, 'change'),
    post(`${p}/:model/:id/delete`, 'delete'),
  ];
}
