import { BasaltError } from '../core/index.js';
import { type AnyEndpoint, get, t } from '../http/index.js';
import { requestActor } from '../rest/index.js';
import type { StorageService } from '../storage/index.js';
import { CsrfField, flash, type Html, redirect } from '../views/index.js';
import { adminPage } from './admin-page.js';
import {
  type AdminContext,
  type AdminSite,
  badQuery,
  forbidden,
  href,
  type Row,
  single,
  staffPage,
} from './context.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';

const PAGE = 50;
const KEY = /^[\w./=-]{1,1024}$/;
const IMAGE = /\.(png|jpe?g|gif|webp|avif)$/i;

function storageOf(ctx: AdminContext): StorageService | undefined {
  return (ctx as { storage?: StorageService }).storage;
}

/** The media browser is for superusers: a storage holds every model's files, past any model permission. */
function superuserOnly(ctx: AdminContext): StorageService {
  if (!requestActor(ctx).isSuperuser) throw forbidden('The media browser is for superusers');
  const service = storageOf(ctx);
  if (!service)
    throw new BasaltError(
      'BASALT_DB_RECORD_NOT_FOUND',
      'This app has no storage: add storage() of basalt/storage',
    );
  return service;
}

function storageNamed(service: StorageService, name: string | undefined) {
  if (name === undefined || !service.names.includes(name))
    throw new BasaltError('BASALT_DB_RECORD_NOT_FOUND', `There is no storage '${name ?? ''}'`);
  return service.get(name);
}

async function mediaPage(site: AdminSite, ctx: AdminContext): Promise<Html> {
  const service = superuserOnly(ctx);
  const base = `${site.prefix}/media/`;
  const name = ctx.params.storage;
  const t = tr(ctx.view);
  const crumbs: [string, string | null][] = [
    [t.t('admin.home'), `${site.prefix}/`],
    [t.t('admin.media.title'), name ? base : null],
  ];
  if (name === undefined)
    return (
      <Frame
        view={ctx.view}
        prefix={site.prefix}
        siteTitle={site.title}
        title={t.t('admin.media.title')}
        crumbs={crumbs}
      >
        <ul>
          {service.names.map((n) => (
            <li>
              <a href={`${base}${encodeURIComponent(n)}/`}>{n}</a>
            </li>
          ))}
        </ul>
      </Frame>
    );
  const storage = storageNamed(service, name);
  const query = ctx.request.query as Row;
  for (const key of Object.keys(query))
    if (key !== 'prefix' && key !== 'after') throw badQuery(key, 'is not a parameter of the media browser');
  const prefix = single(query, 'prefix') ?? '';
  const after = single(query, 'after');
  if (prefix !== '' && !KEY.test(prefix)) throw badQuery('prefix', 'is not a key prefix');
  if (after !== undefined && !KEY.test(after)) throw badQuery('after', 'is not a key');
  // Backends list in key order: a page is the keys after the last one shown.
  const files: { key: string; size: number; modified: Date }[] = [];
  let more = false;
  for await (const object of storage.backend.list(prefix || undefined)) {
    if (after !== undefined && object.key <= after) continue;
    if (files.length === PAGE) {
      more = true;
      break;
    }
    files.push(object);
  }
  const fileUrl = (key: string) => href(`${base}${encodeURIComponent(name)}/file`, { key });
  return (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={t.t('admin.media.storage', { name })}
      crumbs={[...crumbs, [name, null]]}
    >
      <form method="get" action={`${base}${encodeURIComponent(name)}/`} class="filters">
        <label for="id_prefix">{t.t('admin.media.prefix')}</label>
        <input type="text" id="id_prefix" name="prefix" value={prefix} />
        <button type="submit">{t.t('admin.apply')}</button>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.t('admin.media.preview')}</th>
            <th scope="col">{t.t('admin.media.key')}</th>
            <th scope="col">{t.t('admin.media.size')}</th>
            <th scope="col">{t.t('admin.media.modified')}</th>
            <th scope="col">{t.t('admin.delete')}</th>
          </tr>
        </thead>
        <tbody>
          {files.map((file) => (
            <tr>
              <td>
                {IMAGE.test(file.key) ? (
                  <img src={fileUrl(file.key)} alt="" width="64" loading="lazy" />
                ) : null}
              </td>
              <td>
                <a href={fileUrl(file.key)}>{file.key}</a>
              </td>
              <td>{`${ctx.view.i18n.number(file.size)} B`}</td>
              <td>
                <time datetime={file.modified.toISOString()}>{ctx.view.i18n.dateTime(file.modified)}</time>
              </td>
              <td>
                <form method="post" action={`${base}${encodeURIComponent(name)}/delete`}>
                  <CsrfField view={ctx.view} />
                  <input type="hidden" name="key" value={file.key} />
                  <button
                    type="submit"
                    class="danger"
                    aria-label={t.t('admin.media.delete', { key: file.key })}
                  >
                    {t.t('admin.delete')}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {files.length === 0 ? <p>{t.t('admin.media.empty')}</p> : null}
      {more ? (
        <nav class="pager" aria-label={t.t('admin.list.pages')}>
          <a
            rel="next"
            href={href(`${base}${encodeURIComponent(name)}/`, { prefix, after: files.at(-1)!.key })}
          >
            {t.t('admin.list.next')}
          </a>
        </nav>
      ) : null}
    </Frame>
  );
}

/**
 * The media browser (`/admin/media/`, superusers): each storage's files by key, a page at a
 * time, with a preview of images, the file itself (served as storage serves it: the stored
 * type, inline only for safe types), and delete behind the CSRF token.
 */
export function mediaPages(site: AdminSite): AnyEndpoint[] {
  const base = `${site.prefix}/media`;
  const show = staffPage(site, (ctx) => mediaPage(site, ctx));
  return [
    adminPage(`${base}/`, { summary: 'Admin media' }, show as never) as AnyEndpoint,
    adminPage(`${base}/:storage/`, { summary: 'Admin media' }, show as never) as AnyEndpoint,
    get(
      `${base}/:storage/file`,
      {
        hidden: true,
        summary: 'Admin media file',
        query: t.Object({ key: t.String({ pattern: KEY.source }) }),
      },
      async (raw) => {
        const ctx = raw as unknown as AdminContext;
        if (!ctx.user) throw new BasaltError('BASALT_HTTP_UNAUTHENTICATED', 'Sign in to the admin first');
        const service = superuserOnly(ctx);
        const storage = storageNamed(service, ctx.params.storage);
        const key = String((ctx.request.query as Row).key);
        if (!(await storage.exists(key)))
          throw new BasaltError('BASALT_DB_RECORD_NOT_FOUND', `No file '${key}'`);
        return service.serve(ctx as never, { key, storage: storage.name }, { redirect: false });
      },
    ) as AnyEndpoint,
    adminPage(
      `${base}/:storage/delete`,
      {
        method: 'POST',
        form: t.Object({ key: t.String({ pattern: KEY.source }) }),
        summary: 'Admin media delete',
      },
      staffPage(site, async (ctx) => {
        const service = superuserOnly(ctx);
        const storage = storageNamed(service, ctx.params.storage);
        if (!ctx.form!.valid) throw badQuery('key', 'is not a key');
        const key = String((ctx.form!.data as { key: string }).key);
        await storage.delete(key);
        await flash(ctx as never, tr(ctx.view).t('admin.media.deleted', { key }), 'success');
        return redirect(`${base}/${encodeURIComponent(storage.name)}/`);
      }) as never,
    ) as AnyEndpoint,
  ];
}
