import type { Readable } from 'node:stream';
import { BasaltError, isBasaltError } from '../core/index.js';
import { type AnyEndpoint, get, respond, t } from '../http/index.js';
import type { Actor } from '../ops/index.js';
import { hiddenFields, listObjects, loadObject } from '../ops/internal.js';
import { requestActor } from '../rest/index.js';
import type { StorageService, StoredFile } from '../storage/index.js';
import {
  type AdminContext,
  type AdminSite,
  badQuery,
  entryOf,
  forbidden,
  idOf,
  notFound,
  type Row,
  registryOf,
  single,
  verbs,
} from './context.js';
import { exportCsv } from './csv.js';
import { metaOf } from './registry.js';
import { isStoredFile, objectLabel } from './render.js';

const AUTOCOMPLETE_LIMIT = 20;

/** The signed-in staff actor of a data route (JSON, CSV): 401 for no one, 403 for non-staff. */
function staffActor(ctx: AdminContext): Actor {
  if (!ctx.user) throw new BasaltError('BASALT_HTTP_UNAUTHENTICATED', 'Sign in to the admin first');
  const actor = requestActor(ctx);
  if (!actor.isStaff) throw forbidden('This account is not a staff account; the admin is for staff only');
  return actor;
}

/**
 * Routes of the admin that answer data rather than pages: a model's CSV export and the
 * autocomplete of relation inputs (`[{ id, label }]` for a search, read as the user through
 * the model's collection).
 */
export function dataRoutes(site: AdminSite): AnyEndpoint[] {
  const p = site.prefix;
  return [
    get(`${p}/:model/:id/file/:field`, { hidden: true, summary: 'Admin file' }, async (raw) => {
      // A file field's file, to whoever may view the object (its collection's scope and field rules).
      const ctx = raw as unknown as AdminContext;
      const actor = staffActor(ctx);
      const entry = entryOf(site, ctx.params.model);
      if (!(await verbs(actor, entry)).view)
        throw forbidden(`You may not view ${entry.model.meta.pluralLabel.toLowerCase()}`);
      const field = ctx.params.field ?? '';
      if (metaOf(entry.model, field)?.kind !== 'file' || hiddenFields(entry.runtime.plan, actor).has(field))
        throw notFound(`'${field}' is not a file field of ${entry.model.meta.label}`);
      const row = await loadObject(entry.runtime, ctx.db, actor, idOf(entry, ctx.params.id), 'retrieve');
      const file = row[field];
      const service = (ctx as { storage?: StorageService }).storage;
      if (!isStoredFile(file) || !service) throw notFound('This object has no file there');
      return service.serve(ctx as never, file as StoredFile, { redirect: false });
    }) as AnyEndpoint,
    get(`${p}/:model/export.csv`, { hidden: true, summary: 'Admin CSV export' }, async (raw) => {
      const ctx = raw as unknown as AdminContext;
      const actor = staffActor(ctx);
      const entry = entryOf(site, ctx.params.model);
      if (!(await verbs(actor, entry)).view)
        throw forbidden(`You may not view ${entry.model.meta.pluralLabel.toLowerCase()}`);
      const stream: Readable = await exportCsv(ctx, actor, entry, registryOf(site).models);
      return respond(200, stream, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${entry.key}.csv"`,
        'cache-control': 'private, no-store',
      });
    }) as AnyEndpoint,
    get(
      `${p}/:model/autocomplete`,
      {
        hidden: true,
        summary: 'Admin relation search',
        query: t.Object({ q: t.Optional(t.String({ maxLength: 200 })) }),
      },
      async (raw) => {
        const ctx = raw as unknown as AdminContext;
        const actor = staffActor(ctx);
        const entry = entryOf(site, ctx.params.model);
        if (!(await verbs(actor, entry)).view)
          throw forbidden(`You may not view ${entry.model.meta.pluralLabel.toLowerCase()}`);
        const q = (single(ctx.request.query as Row, 'q') ?? '').trim();
        if (/^\d{1,15}$/.test(q) && entry.model.meta.primaryKey.type === 'integer') {
          try {
            const row = await loadObject(entry.runtime, ctx.db, actor, Number(q), 'retrieve');
            return [{ id: row.id as number, label: objectLabel(entry, row) }];
          } catch (error) {
            if (isBasaltError(error) && error.status === 404) return [];
            throw error;
          }
        }
        const params: Row = {};
        if (q !== '') {
          if (!entry.searchable) throw badQuery('q', 'this model has no search fields: give an id');
          params.search = q;
        }
        const page = await listObjects(entry.pickRuntime, ctx.db, actor, params);
        return page.results
          .slice(0, AUTOCOMPLETE_LIMIT)
          .map((row) => ({ id: row.id as number | string, label: objectLabel(entry, row) }));
      },
    ) as AnyEndpoint,
  ];
}
