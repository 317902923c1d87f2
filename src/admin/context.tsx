// What every admin page shares: the site, the request context, permissions, ids, errors.
import { createHash } from 'node:crypto';
import type { SessionLogin } from '../auth/internal.js';
import { BasaltError, isBasaltError } from '../core/index.js';
import type { Executor } from '../db/index.js';
import { type RequestContext, respond } from '../http/index.js';
import type { AnySchedule } from '../jobs/index.js';
import type { Actor } from '../ops/index.js';
import { requestActor } from '../rest/index.js';
import {
  type FormState,
  flash,
  type Html,
  type PageResult,
  Redirect,
  redirect,
  type ViewContext,
} from '../views/index.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';
import type { AdminOptions } from './options.js';
import type { AdminModel, AdminRegistry } from './registry.js';

export type Row = Record<string, unknown>;
export type Verb = 'view' | 'add' | 'change' | 'delete';

/** What an admin handler receives (a page's context, loosely typed: routes serve every model). */
export type AdminContext = RequestContext & {
  params: Record<string, string>;
  view: ViewContext;
  form: FormState<Record<string, unknown>> | undefined;
  db: Executor;
};

/** The admin of one app: its options, and the registry filled when the app starts. */
export interface AdminSite {
  readonly prefix: string;
  /** The site's title, or undefined for the translated default (`Administration`). */
  readonly title: string | undefined;
  readonly options: AdminOptions;
  readonly login: SessionLogin;
  /** Seconds of admin inactivity after which the session is signed out, or false. */
  readonly sessionTimeout: number | false;
  registry: AdminRegistry | undefined;
  audited: boolean;
  /** The app's schedules (`jobs({ schedules })`), run on demand from the jobs page. */
  schedules: readonly AnySchedule[];
}

export const USERNAME_FIELDS = ['email', 'username'];

/** The version of a row a change form carries: the same entity tag REST sends as ETag. */
export function versionOf(row: Row): string {
  return `"${createHash('sha1').update(JSON.stringify(row)).digest('base64url')}"`;
}

export function registryOf(site: AdminSite): AdminRegistry {
  if (!site.registry)
    throw new BasaltError('BASALT_INTERNAL_ERROR', 'The admin is used before the app started');
  return site.registry;
}

export function notFound(what: string): BasaltError {
  return new BasaltError('BASALT_DB_RECORD_NOT_FOUND', what);
}

export function forbidden(detail: string): BasaltError {
  return new BasaltError('BASALT_HTTP_FORBIDDEN', detail);
}

/** May the actor do `verb` on the model (Django's `has_{verb}_permission`; a superuser may). */
export async function can(actor: Actor, entry: AdminModel, verb: Verb): Promise<boolean> {
  if (actor.kind === 'system') return true;
  return actor.hasPermission(`${verb}_${entry.model.name.toLowerCase()}`);
}

export async function verbs(actor: Actor, entry: AdminModel): Promise<Record<Verb, boolean>> {
  const [view, add, change, del] = await Promise.all(
    (['view', 'add', 'change', 'delete'] as const).map((v) => can(actor, entry, v)),
  );
  return { view: view! || change!, add: add!, change: change!, delete: del! };
}

export function entryOf(site: AdminSite, key: string | undefined): AdminModel {
  const entry = key === undefined ? undefined : registryOf(site).byKey.get(key);
  if (!entry) throw notFound(`There is no model '${key ?? ''}' in the admin`);
  return entry;
}

export function idOf(entry: AdminModel, raw: string | undefined): number | string {
  const text = raw ?? '';
  if (entry.model.meta.primaryKey.type === 'integer') {
    if (!/^\d{1,15}$/.test(text)) throw notFound(`No ${entry.model.meta.label} with id '${text}'`);
    return Number(text);
  }
  if (!/^[0-9a-fA-F-]{36}$/.test(text)) throw notFound(`No ${entry.model.meta.label} with id '${text}'`);
  return text;
}

/** Error page of the admin (a 4xx as a page in the admin's frame, with its message). */
export function ErrorView(props: { site: AdminSite; view: ViewContext; error: BasaltError }): Html {
  const { site, view, error } = props;
  const t = tr(view);
  const titleKey = `basalt.error.title.${error.status}`;
  const title = t.has(titleKey) ? t.t(titleKey) : (error.title ?? t.t('admin.error'));
  return (
    <Frame view={view} prefix={site.prefix} siteTitle={site.title} title={title}>
      <p>{error.message}</p>
      {error.errors && error.errors.length > 0 ? (
        <ul class="errorlist">
          {error.errors.map((e) => (
            <li>{`${e.pointer.replace(/^\/(query\/)?/, '')}: ${e.detail}`}</li>
          ))}
        </ul>
      ) : null}
      <p>
        <a href={`${site.prefix}/`}>{t.t('admin.back')}</a>
      </p>
    </Frame>
  );
}

/**
 * Wraps a handler: anonymous → the login page, signed in but not staff → 403, a client error
 * (400, 403, 404, 409) → the admin's error page with its message. 429 and 5xx go on as they are.
 */
export function staffPage(
  site: AdminSite,
  handler: (ctx: AdminContext, actor: Actor) => PageResult | Promise<PageResult>,
): (ctx: AdminContext) => Promise<PageResult> {
  return async (ctx) => {
    try {
      if (!ctx.user) {
        const next = ctx.request.method === 'GET' ? ctx.request.url : `${site.prefix}/`;
        return redirect(`${site.prefix}/login?next=${encodeURIComponent(next)}`);
      }
      const actor = requestActor(ctx);
      if (!actor.isStaff) throw forbidden('This account is not a staff account; the admin is for staff only');
      if (await idleTooLong(site, ctx)) {
        await flash(ctx as never, tr(ctx.view).t('admin.login.timeout'), 'warning');
        const next = ctx.request.method === 'GET' ? ctx.request.url : `${site.prefix}/`;
        return redirect(`${site.prefix}/login?next=${encodeURIComponent(next)}`);
      }
      return await handler(ctx, actor);
    } catch (error) {
      if (error instanceof Redirect) return error;
      if (isBasaltError(error) && error.status >= 400 && error.status < 500 && error.status !== 429)
        return respond(error.status, <ErrorView site={site} view={ctx.view} error={error} />);
      throw error;
    }
  };
}

/** The session key holding when the user last used the admin (milliseconds). */
export const SEEN_KEY = 'admin.seenAt';
/** How stale the recorded time may get before it is written again (one session write a minute at most). */
const SEEN_GRANULARITY = 60_000;

interface SessionLike {
  get(key: string): unknown;
  set(key: string, value: unknown): Promise<void>;
  logout(): Promise<void>;
}

/**
 * The admin's idle timeout: a session unused by the admin for longer than `sessionTimeout`
 * is signed out. The last use is kept in the session, rewritten at most once a minute.
 */
async function idleTooLong(site: AdminSite, ctx: AdminContext): Promise<boolean> {
  const session = (ctx as { session?: SessionLike }).session;
  if (site.sessionTimeout === false || !session) return false;
  const now = Date.now();
  const seen = session.get(SEEN_KEY);
  if (typeof seen === 'number' && now - seen > site.sessionTimeout * 1000) {
    await session.logout();
    return true;
  }
  if (typeof seen !== 'number' || now - seen > SEEN_GRANULARITY) await session.set(SEEN_KEY, now);
  return false;
}

export function badQuery(param: string, detail: string): BasaltError {
  return new BasaltError('BASALT_VALIDATION_FAILED', `Invalid query parameter '${param}'`, {
    errors: [{ pointer: `/query/${param}`, detail }],
  });
}

export function single(query: Row, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badQuery(name, 'must be given once');
  return value;
}

export function href(base: string, params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const text = search.toString();
  return text ? `${base}?${text}` : base;
}

/** A page's body, through the model's override of that page when it has one. */
export function pageBody(
  entry: AdminModel,
  kind: 'list' | 'form' | 'delete' | 'history',
  props: { actor: Actor; view: ViewContext; title: string; object: Row | null },
  content: Html,
): Html {
  const override = entry.pages?.[kind];
  return override ? override({ ...props, model: entry.model, content }) : content;
}
