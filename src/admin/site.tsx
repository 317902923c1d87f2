import { createHash } from 'node:crypto';
import type { SessionLogin } from '../auth/internal.js';
import { BasaltError, isBasaltError } from '../core/index.js';
import type { Executor } from '../db/index.js';
import { type AnyEndpoint, type EndpointSpec, get, type RequestContext, respond, t } from '../http/index.js';
import { type Actor, type AuditRecord, auditLog } from '../ops/index.js';
import {
  createObject,
  deleteObject,
  hiddenFields,
  listObjects,
  loadObject,
  lockForWrite,
  type Precondition,
  serialize,
  updateObject,
  viewOf,
} from '../ops/internal.js';
import { requestActor } from '../rest/index.js';
import {
  CsrfField,
  type FormState,
  flash,
  type Html,
  type PageResult,
  page,
  Redirect,
  redirect,
  type ViewContext,
} from '../views/index.js';
import { formData, formSchema, VERSION_FIELD } from './forms.js';
import { ADMIN_CSS, cssPath, Frame } from './layout.js';
import type { AdminOptions } from './options.js';
import { type AdminModel, type AdminRegistry, metaOf } from './registry.js';
import { displayValue, fieldLabel, inputValue, objectLabel, Widget } from './render.js';

type Row = Record<string, unknown>;
type Verb = 'view' | 'add' | 'change' | 'delete';

/** What an admin handler receives (a page's context, loosely typed: routes serve every model). */
type AdminContext = RequestContext & {
  params: Record<string, string>;
  view: ViewContext;
  form: FormState<Record<string, unknown>> | undefined;
  db: Executor;
};

/** The admin of one app: its options, and the registry filled when the app starts. */
export interface AdminSite {
  readonly prefix: string;
  readonly title: string;
  readonly options: AdminOptions;
  readonly login: SessionLogin;
  registry: AdminRegistry | undefined;
  audited: boolean;
}

const USERNAME_FIELDS = ['email', 'username'];

/** The version of a row a change form carries: the same entity tag REST sends as ETag. */
export function versionOf(row: Row): string {
  return `"${createHash('sha1').update(JSON.stringify(row)).digest('base64url')}"`;
}

function registryOf(site: AdminSite): AdminRegistry {
  if (!site.registry)
    throw new BasaltError('BASALT_INTERNAL_ERROR', 'The admin is used before the app started');
  return site.registry;
}

function notFound(what: string): BasaltError {
  return new BasaltError('BASALT_DB_RECORD_NOT_FOUND', what);
}

function forbidden(detail: string): BasaltError {
  return new BasaltError('BASALT_HTTP_FORBIDDEN', detail);
}

/** May the actor do `verb` on the model (Django's `has_{verb}_permission`; a superuser may). */
async function can(actor: Actor, entry: AdminModel, verb: Verb): Promise<boolean> {
  if (actor.kind === 'system') return true;
  return actor.hasPermission(`${verb}_${entry.model.name.toLowerCase()}`);
}

async function verbs(actor: Actor, entry: AdminModel): Promise<Record<Verb, boolean>> {
  const [view, add, change, del] = await Promise.all(
    (['view', 'add', 'change', 'delete'] as const).map((v) => can(actor, entry, v)),
  );
  return { view: view! || change!, add: add!, change: change!, delete: del! };
}

function entryOf(site: AdminSite, key: string | undefined): AdminModel {
  const entry = key === undefined ? undefined : registryOf(site).byKey.get(key);
  if (!entry) throw notFound(`There is no model '${key ?? ''}' in the admin`);
  return entry;
}

function idOf(entry: AdminModel, raw: string | undefined): number | string {
  const text = raw ?? '';
  if (entry.model.meta.primaryKey.type === 'integer') {
    if (!/^\d{1,15}$/.test(text)) throw notFound(`No ${entry.model.meta.label} with id '${text}'`);
    return Number(text);
  }
  if (!/^[0-9a-fA-F-]{36}$/.test(text)) throw notFound(`No ${entry.model.meta.label} with id '${text}'`);
  return text;
}

/** Error page of the admin (a 4xx as a page in the admin's frame, with its message). */
function ErrorView(props: { site: AdminSite; view: ViewContext; error: BasaltError }): Html {
  const { site, view, error } = props;
  return (
    <Frame view={view} prefix={site.prefix} siteTitle={site.title} title={error.title ?? 'Error'}>
      <p>{error.message}</p>
      {error.errors && error.errors.length > 0 ? (
        <ul class="errorlist">
          {error.errors.map((e) => (
            <li>{`${e.pointer.replace(/^\/(query\/)?/, '')}: ${e.detail}`}</li>
          ))}
        </ul>
      ) : null}
      <p>
        <a href={`${site.prefix}/`}>Back to the admin</a>
      </p>
    </Frame>
  );
}

/**
 * Wraps a handler: anonymous → the login page, signed in but not staff → 403, a client error
 * (400, 403, 404, 409) → the admin's error page with its message. 429 and 5xx go on as they are.
 */
function staffPage(
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
      return await handler(ctx, actor);
    } catch (error) {
      if (error instanceof Redirect) return error;
      if (isBasaltError(error) && error.status >= 400 && error.status < 500 && error.status !== 429)
        return respond(error.status, <ErrorView site={site} view={ctx.view} error={error} />);
      throw error;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Login and logout

function LoginView(props: {
  site: AdminSite;
  view: ViewContext;
  username: string;
  usernameLabel: string;
  next: string;
  error?: string;
}): Html {
  const { site, view } = props;
  return (
    <Frame view={view} prefix={site.prefix} siteTitle={site.title} title="Log in">
      {props.error ? (
        <p class="errorlist" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={`${site.prefix}/login`}>
        <CsrfField view={view} />
        <input type="hidden" name="next" value={props.next} />
        <div class="field">
          <label for="id_username">{props.usernameLabel}</label>
          <input
            type="text"
            id="id_username"
            name="username"
            value={props.username}
            required
            autocomplete="username"
          />
        </div>
        <div class="field">
          <label for="id_password">Password</label>
          <input type="password" id="id_password" name="password" required autocomplete="current-password" />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            Log in
          </button>
        </div>
      </form>
    </Frame>
  );
}

const INVALID_LOGIN = 'Please enter the correct credentials for a staff account.';

function safeNext(site: AdminSite, next: unknown): string {
  return typeof next === 'string' && next.startsWith(`${site.prefix}/`) ? next : `${site.prefix}/`;
}

function loginPages(site: AdminSite): AnyEndpoint[] {
  const usernameLabel = (ctx: AdminContext) => {
    const field = (ctx as { auth?: { service?: { usernameField?: string } } }).auth?.service?.usernameField;
    return field && USERNAME_FIELDS.includes(field) ? (field === 'email' ? 'Email' : 'Username') : 'Username';
  };
  const LoginForm = t.Object({
    username: t.String({ minLength: 1, maxLength: 254 }),
    password: t.String({ minLength: 1, maxLength: 4096 }),
    next: t.Optional(t.String({ maxLength: 2000 })),
  });
  const show = page(`${site.prefix}/login`, { summary: 'Admin login' }, (raw) => {
    const ctx = raw as unknown as AdminContext;
    const next = safeNext(site, (ctx.request.query as Record<string, unknown>).next);
    if (ctx.user && requestActor(ctx).isStaff) return redirect(next, { fallback: `${site.prefix}/` });
    const notStaff = ctx.user
      ? 'You are signed in, but not as staff. Log in with a staff account.'
      : undefined;
    return (
      <LoginView
        site={site}
        view={ctx.view}
        username=""
        usernameLabel={usernameLabel(ctx)}
        next={next}
        {...(notStaff ? { error: notStaff } : {})}
      />
    );
  });
  const submit = page(
    `${site.prefix}/login`,
    {
      method: 'POST',
      form: LoginForm,
      summary: 'Admin login',
      ...(site.login.limits.ip ? { rateLimit: site.login.limits.ip } : {}),
    },
    async (raw) => {
      const ctx = raw as unknown as AdminContext & { session: { login(user: unknown): Promise<void> } };
      // No session yet means no token to check: the Origin check stops login CSRF (as the session login).
      site.login.checkOrigin(ctx.request);
      const form = ctx.form!;
      const next = safeNext(site, form.values.next);
      const again = (error: string) =>
        respond(
          400,
          <LoginView
            site={site}
            view={ctx.view}
            username={form.values.username ?? ''}
            usernameLabel={usernameLabel(ctx)}
            next={next}
            error={error}
          />,
        );
      if (!form.valid) return again(INVALID_LOGIN);
      const service = (ctx as unknown as { auth: { service: AuthServiceLike } }).auth.service;
      // The same per-account bucket as the session login and POST /auth/token.
      await site.login.limits.account('login', service.normalizeUsername(String(form.data.username)));
      const user = await service.authenticate(ctx.db, String(form.data.username), String(form.data.password));
      if (
        !user ||
        !(user as { isStaff?: boolean }).isStaff ||
        (user as { isActive?: boolean }).isActive === false
      )
        return again(INVALID_LOGIN);
      await ctx.session.login(user);
      return redirect(next, { fallback: `${site.prefix}/` });
    },
  );
  const logout = page(`${site.prefix}/logout`, { method: 'POST', summary: 'Admin logout' }, async (raw) => {
    const ctx = raw as unknown as AdminContext & { session: { logout(): Promise<void> } };
    await ctx.session.logout();
    return redirect(`${site.prefix}/login`);
  });
  return [show, submit, logout] as AnyEndpoint[];
}

interface AuthServiceLike {
  normalizeUsername(value: string): string;
  authenticate(db: Executor, username: string, password: string): Promise<Row | null>;
}

// ---------------------------------------------------------------------------------------------
// Index

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
  return (
    <Frame view={ctx.view} prefix={site.prefix} siteTitle={site.title} title="Site administration">
      {groups.length === 0 ? <p>You don’t have permission to view or edit anything.</p> : null}
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
                  <td>{v.add ? <a href={`${site.prefix}/${entry.key}/add`}>Add</a> : null}</td>
                  <td>
                    {v.view ? (
                      <a href={`${site.prefix}/${entry.key}/`}>{v.change ? 'Change' : 'View'}</a>
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

// ---------------------------------------------------------------------------------------------
// List

const RESERVED = new Set(['q', 'o', 'cursor']);

function badQuery(param: string, detail: string): BasaltError {
  return new BasaltError('BASALT_VALIDATION_FAILED', `Invalid query parameter '${param}'`, {
    errors: [{ pointer: `/query/${param}`, detail }],
  });
}

function single(query: Row, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badQuery(name, 'must be given once');
  return value;
}

function href(base: string, params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const text = search.toString();
  return text ? `${base}?${text}` : base;
}

async function listPage(site: AdminSite, ctx: AdminContext, actor: Actor, entry: AdminModel): Promise<Html> {
  const allowed = await verbs(actor, entry);
  if (!allowed.view) throw forbidden(`You may not view ${entry.model.meta.pluralLabel}`);
  const query = ctx.request.query as Row;
  for (const name of Object.keys(query))
    if (!RESERVED.has(name) && !entry.filters.includes(name))
      throw badQuery(name, 'is not a filter of this list');
  const q = single(query, 'q');
  const o = single(query, 'o');
  const cursor = single(query, 'cursor');
  const current: Record<string, string | undefined> = { q, o };
  const params: Row = {};
  if (q !== undefined && q.trim() !== '') {
    if (q.length > 200) throw badQuery('q', 'is longer than 200 characters');
    params.search = q;
  }
  if (o !== undefined && o !== '') {
    if (!entry.sortable.has(o.replace(/^-/, ''))) throw badQuery('o', `'${o}' is not a column to sort by`);
    params.ordering = o;
  }
  if (cursor !== undefined) params.cursor = cursor;
  for (const name of entry.filters) {
    const value = single(query, name);
    if (value === undefined || value === '') continue;
    current[name] = value;
    const meta = metaOf(entry.model, name)!;
    if (meta.kind === 'boolean') {
      if (value !== 'true' && value !== 'false') throw badQuery(name, 'must be true or false');
      params[name] = value === 'true';
    } else if (meta.kind === 'enum') {
      if (!meta.choices?.some((c) => c.value === value))
        throw badQuery(name, `must be one of ${(meta.choices ?? []).map((c) => c.value).join(', ')}`);
      params[name] = value;
    } else {
      if (!/^\d{1,15}$/.test(value)) throw badQuery(name, 'must be an id');
      params[name] = Number(value);
    }
  }
  const result = await listObjects(entry.runtime, ctx.db, actor, params);
  const hidden = hiddenFields(entry.runtime.plan, actor);
  const columns = entry.columns.filter((c) => !hidden.has(c));
  const base = `${site.prefix}/${entry.key}/`;
  const label = entry.model.meta.pluralLabel;
  const pageLink = (p: Row | null | undefined) =>
    p ? href(base, { ...current, cursor: typeof p.cursor === 'string' ? p.cursor : undefined }) : null;
  const previous = pageLink(result.previous as Row | null);
  const next = pageLink(result.next as Row | null);
  return (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={label}
      crumbs={[
        ['Home', `${site.prefix}/`],
        [entry.group, null],
        [label, null],
      ]}
    >
      {allowed.add ? (
        <p>
          <a class="button" href={`${site.prefix}/${entry.key}/add`}>{`Add ${entry.model.meta.label}`}</a>
        </p>
      ) : null}
      {entry.searchable || entry.filters.length > 0 ? (
        <form method="get" action={base} class="filters">
          {entry.searchable ? (
            <>
              <label for="id_q">Search</label>
              <input type="text" id="id_q" name="q" value={q ?? ''} />
            </>
          ) : null}
          {entry.filters.map((name) => {
            const meta = metaOf(entry.model, name)!;
            const value = current[name] ?? '';
            const options: [string, string][] =
              meta.kind === 'boolean'
                ? [
                    ['true', 'Yes'],
                    ['false', 'No'],
                  ]
                : (meta.choices ?? []).map((c) => [c.value, c.label]);
            return (
              <span>
                <label for={`id_f_${name}`}>{meta.label}</label>{' '}
                {meta.kind === 'belongsTo' ? (
                  <input type="text" inputmode="numeric" id={`id_f_${name}`} name={name} value={value} />
                ) : (
                  <select id={`id_f_${name}`} name={name}>
                    <option value="">All</option>
                    {options.map(([v, l]) => (
                      <option value={v} selected={v === value}>
                        {l}
                      </option>
                    ))}
                  </select>
                )}
              </span>
            );
          })}
          {o ? <input type="hidden" name="o" value={o} /> : null}
          <button type="submit">Apply</button>
        </form>
      ) : null}
      <table>
        <thead>
          <tr>
            {columns.map((column) => {
              const title = column === 'id' ? 'ID' : fieldLabel(entry, column);
              if (!entry.sortable.has(column)) return <th scope="col">{title}</th>;
              const sorted = o === column ? 'ascending' : o === `-${column}` ? 'descending' : undefined;
              const toggle = o === column ? `-${column}` : column;
              return (
                <th scope="col" aria-sort={sorted}>
                  <a href={href(base, { ...current, o: toggle })}>
                    {title}
                    {sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}
                  </a>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {result.results.map((row) => (
            <tr>
              {columns.map((column, i) => {
                const text = displayValue(metaOf(entry.model, column), (row as Row)[column]);
                return i === 0 ? (
                  <td>
                    <a href={`${site.prefix}/${entry.key}/${String((row as Row).id)}/change`}>{text}</a>
                  </td>
                ) : (
                  <td>{text}</td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {result.results.length === 0 ? <p>{`No ${label.toLowerCase()} found.`}</p> : null}
      <nav class="pager" aria-label="Pages">
        {previous ? (
          <a rel="prev" href={previous}>
            ‹ Previous
          </a>
        ) : null}
        {next ? (
          <a rel="next" href={next}>
            More ›
          </a>
        ) : null}
      </nav>
    </Frame>
  );
}

// ---------------------------------------------------------------------------------------------
// Add and change forms

interface FormProps {
  site: AdminSite;
  view: ViewContext;
  entry: AdminModel;
  actor: Actor;
  /** Null for the add form. */
  object: Row | null;
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  general: readonly string[];
  version: string | undefined;
  editable: boolean;
  related: Readonly<Record<string, { label: string; href: string | null }>>;
  allowed: Record<Verb, boolean>;
}

/** The fields this actor edits in the forms: the model's editable ones it may read and set (field rules). */
function editableFor(entry: AdminModel, actor: Actor): string[] {
  const hidden = hiddenFields(entry.runtime.plan, actor);
  const writeRules = entry.runtime.plan.writeRules;
  return entry.editable.filter((a) => !hidden.has(a) && writeRules.get(a)?.(actor) !== false);
}

function FormView(props: FormProps): Html {
  const { site, entry, object, values, errors } = props;
  const hidden = hiddenFields(entry.runtime.plan, props.actor);
  const editable = props.editable ? editableFor(entry, props.actor) : [];
  // An error of a field the form does not show (a required field the user may not set) goes on top.
  const general = [
    ...props.general,
    ...Object.entries(errors)
      .filter(([name]) => !editable.includes(name))
      .map(([name, message]) => `${fieldLabel(entry, name)}: ${message}`),
  ];
  const shown = object
    ? entry.runtime.plan.readable.filter((a) => a !== 'id' && !editable.includes(a) && !hidden.has(a))
    : [];
  const required = new Set(object ? [] : entry.runtime.plan.required);
  const label = entry.model.meta.label;
  const title = object
    ? `${props.editable ? 'Change' : 'View'} ${label.toLowerCase()}: ${objectLabel(entry, object)}`
    : `Add ${label.toLowerCase()}`;
  const base = `${site.prefix}/${entry.key}`;
  return (
    <Frame
      view={props.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={title}
      crumbs={[
        ['Home', `${site.prefix}/`],
        [entry.group, null],
        [entry.model.meta.pluralLabel, `${base}/`],
        [object ? objectLabel(entry, object) : 'Add', null],
      ]}
    >
      {object ? (
        <p>
          <a href={`${base}/${String(object.id)}/history`}>History</a>
        </p>
      ) : null}
      {general.length > 0 ? (
        <ul class="errorlist" role="alert">
          {general.map((g) => (
            <li>{g}</li>
          ))}
        </ul>
      ) : null}
      <form method="post" action={object ? `${base}/${String(object.id)}/change` : `${base}/add`}>
        <CsrfField view={props.view} />
        {props.version ? <input type="hidden" name={VERSION_FIELD} value={props.version} /> : null}
        {editable.map((attribute) => {
          const meta = metaOf(entry.model, attribute)!;
          const error = errors[attribute];
          const related = props.related[attribute];
          return (
            <div class="field">
              <label for={`id_${attribute}`}>{meta.label}</label>
              <Widget
                meta={meta}
                name={attribute}
                value={values[attribute] ?? ''}
                required={required.has(attribute) && meta.kind !== 'boolean'}
                invalid={error !== undefined}
              />
              {related ? (
                <span class="help">
                  {' '}
                  {related.href ? <a href={related.href}>{related.label}</a> : related.label}
                </span>
              ) : null}
              {error ? (
                <p class="errorlist" id={`err_${attribute}`}>
                  {error}
                </p>
              ) : null}
              {meta.help ? (
                <p class="help" id={`help_${attribute}`}>
                  {meta.help}
                </p>
              ) : null}
            </div>
          );
        })}
        {shown.map((attribute) => {
          const meta = metaOf(entry.model, attribute);
          const value = object ? object[attribute] : undefined;
          return (
            <div class="field">
              <span class="label">
                <strong>{meta?.label ?? attribute}</strong>
              </span>
              <div class="readonly">{displayValue(meta, value)}</div>
            </div>
          );
        })}
        <div class="actions">
          {props.editable ? (
            <button type="submit" class="primary">
              Save
            </button>
          ) : null}
          {object && props.allowed.delete ? <a href={`${base}/${String(object.id)}/delete`}>Delete</a> : null}
        </div>
      </form>
    </Frame>
  );
}

/** Labels (and links) of the objects the relation fields point at, read through their own policy. */
async function relatedLabels(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  values: Readonly<Record<string, string>>,
): Promise<Record<string, { label: string; href: string | null }>> {
  const out: Record<string, { label: string; href: string | null }> = {};
  for (const attribute of entry.editable) {
    const meta = metaOf(entry.model, attribute)!;
    const value = values[attribute];
    if (meta.kind !== 'belongsTo' || !value || !meta.relation) continue;
    const target = registryOf(site).byKey.get(meta.relation.target);
    if (!target || !(await verbs(actor, target)).view) continue;
    try {
      const row = await loadObject(target.runtime, ctx.db, actor, idOf(target, value), 'retrieve');
      out[attribute] = {
        label: objectLabel(target, row),
        href: `${site.prefix}/${target.key}/${value}/change`,
      };
    } catch (error) {
      if (!isBasaltError(error) || error.status >= 500) throw error;
      out[attribute] = { label: 'not found', href: null };
    }
  }
  return out;
}

function relatedName(site: AdminSite, entry: AdminModel, attribute: string): string {
  const target = metaOf(entry.model, attribute)?.relation?.target;
  const model = target === undefined ? undefined : registryOf(site).models.get(target);
  return (model?.meta.label ?? target ?? attribute).toLowerCase();
}

function valuesOf(entry: AdminModel, row: Row): Record<string, string> {
  const values: Record<string, string> = {};
  for (const attribute of entry.editable)
    values[attribute] = inputValue(metaOf(entry.model, attribute)!, row[attribute]);
  return values;
}

function defaultsOf(entry: AdminModel): Record<string, string> {
  const values: Record<string, string> = {};
  for (const attribute of entry.editable) {
    const meta = metaOf(entry.model, attribute)!;
    if (meta.default.kind === 'value') values[attribute] = inputValue(meta, meta.default.value);
  }
  return values;
}

/** Field errors of a refused write (`/isbn` → isbn), and the rest as general messages. */
function writeErrors(
  entry: AdminModel,
  error: BasaltError,
): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const e of error.errors ?? []) {
    const name = e.pointer.replace(/^\/(body\/)?/, '').split('/')[0] ?? '';
    if (entry.editable.includes(name) && fields[name] === undefined) fields[name] = e.detail;
    else general.push(name ? `${name}: ${e.detail}` : e.detail);
  }
  if (general.length === 0 && Object.keys(fields).length === 0) general.push(error.message);
  return { fields, general };
}

/** The row the form was rendered from must still be the row in the database (REST's If-Match). */
function sameVersion(entry: AdminModel, version: string | undefined): Precondition | undefined {
  if (!version) return undefined;
  const model = entry.model;
  const conflict = () =>
    new BasaltError(
      'BASALT_HTTP_PRECONDITION_FAILED',
      `This ${model.meta.label.toLowerCase()} was changed by someone else after you opened the form. Your changes were not saved: reload the page to see the current values.`,
    );
  return async (db, current) => {
    if (versionOf(current) !== version) throw conflict();
    const locked = await lockForWrite(model, db, current);
    if (locked === undefined) return current;
    if (versionOf(locked.masked) !== version) throw conflict();
    return locked.fresh;
  };
}

async function showForm(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  id: string | undefined,
): Promise<Html> {
  const allowed = await verbs(actor, entry);
  if (id === undefined) {
    if (!allowed.add) throw forbidden(`You may not add ${entry.model.meta.pluralLabel.toLowerCase()}`);
    const values = defaultsOf(entry);
    return (
      <FormView
        {...{ site, view: ctx.view, entry, actor, object: null, values, errors: {}, general: [] }}
        version={undefined}
        editable
        related={{}}
        allowed={allowed}
      />
    );
  }
  if (!allowed.view) throw forbidden(`You may not view ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const row = await loadObject(entry.runtime, ctx.db, actor, idOf(entry, id), 'retrieve');
  const shown = serialize(entry.runtime.plan, viewOf(entry.runtime, actor, {}, []), row);
  const values = valuesOf(entry, row);
  return (
    <FormView
      {...{ site, view: ctx.view, entry, actor, object: shown, values, errors: {}, general: [] }}
      version={versionOf(row)}
      editable={allowed.change}
      related={await relatedLabels(site, ctx, actor, entry, values)}
      allowed={allowed}
    />
  );
}

async function saveForm(
  site: AdminSite,
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  id: string | undefined,
): Promise<PageResult> {
  const allowed = await verbs(actor, entry);
  const verb = id === undefined ? 'add' : 'change';
  if (!allowed[verb]) throw forbidden(`You may not ${verb} ${entry.model.meta.pluralLabel.toLowerCase()}`);
  const key = id === undefined ? undefined : idOf(entry, id);
  const form = ctx.form!;
  const version = form.values[VERSION_FIELD];
  let current: Row | null = null;
  if (key !== undefined) current = await loadObject(entry.runtime, ctx.db, actor, key, 'partialUpdate');
  const again = async (status: number, errors: Record<string, string>, general: string[]) => {
    const related = await relatedLabels(site, ctx, actor, entry, form.values);
    // A key to a row that does not exist: the database's refusal names no field, the label does.
    for (const [attribute, shown] of Object.entries(related))
      if (shown.href === null && errors[attribute] === undefined)
        errors[attribute] =
          `No ${relatedName(site, entry, attribute)} with id ${form.values[attribute] ?? ''}.`;
    return respond(
      status,
      <FormView
        {...{ site, view: ctx.view, entry, actor, errors, general, allowed }}
        object={current ? serialize(entry.runtime.plan, viewOf(entry.runtime, actor, {}, []), current) : null}
        values={form.values}
        version={version}
        editable
        related={related}
      />,
    );
  };
  if (!form.valid) return again(400, { ...form.errors }, ['Please correct the errors below.']);
  const { data, errors } = formData(entry, editableFor(entry, actor), form.data, form.values);
  if (Object.keys(errors).length > 0) return again(400, errors, ['Please correct the errors below.']);
  let saved: Row;
  try {
    saved =
      key === undefined
        ? await createObject(entry.runtime, ctx.db, actor, data, ctx)
        : await updateObject(
            entry.runtime,
            ctx.db,
            actor,
            key,
            data,
            'partialUpdate',
            sameVersion(entry, version),
            ctx,
          );
  } catch (error) {
    if (!isBasaltError(error)) throw error;
    if (error.code === 'BASALT_HTTP_PRECONDITION_FAILED') return again(409, {}, [error.message]);
    if (error.status === 400 || error.status === 409 || error.status === 422) {
      const { fields, general } = writeErrors(entry, error);
      return again(400, fields, general);
    }
    throw error;
  }
  const label = objectLabel(entry, saved);
  await flash(
    ctx as never,
    `The ${entry.model.meta.label.toLowerCase()} “${label}” was ${key === undefined ? 'added' : 'changed'} successfully.`,
    'success',
  );
  return redirect(`${site.prefix}/${entry.key}/${String(saved.id)}/change`);
}

// ---------------------------------------------------------------------------------------------
// Delete and history

async function deletePage(
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

function changeText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function historyPage(
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
    </Frame>
  );
}

// ---------------------------------------------------------------------------------------------
// Routes

/** Every route of the admin: pages over every model, the login and the style sheet. */
export function adminRoutes(site: AdminSite): AnyEndpoint[] {
  const p = site.prefix;
  const on = (path: string, handler: (ctx: AdminContext, actor: Actor) => PageResult | Promise<PageResult>) =>
    page(path, {}, staffPage(site, handler) as never) as AnyEndpoint;
  // A POST form's fields depend on the model: the route reads nothing itself and hands the
  // request to the model's own page (its form schema), which reads the body and checks CSRF.
  const forms = new Map<string, AnyEndpoint>();
  const formPage = (entry: AdminModel, kind: 'add' | 'change' | 'delete'): AnyEndpoint => {
    const cacheKey = `${entry.key}\u0000${kind}`;
    let endpoint = forms.get(cacheKey);
    if (endpoint === undefined) {
      const options = kind === 'delete' ? {} : { form: formSchema(entry, kind === 'add') };
      endpoint = page(
        `${p}/${kind}`,
        { method: 'POST', ...options },
        staffPage(site, (ctx, actor) =>
          kind === 'delete'
            ? deletePage(site, ctx, actor, entry, true)
            : saveForm(site, ctx, actor, entry, kind === 'add' ? undefined : ctx.params.id),
        ) as never,
      ) as AnyEndpoint;
      forms.set(cacheKey, endpoint);
    }
    return endpoint;
  };
  const post = (path: string, kind: 'add' | 'change' | 'delete'): AnyEndpoint => {
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
  const css = ADMIN_CSS;
  return [
    ...loginPages(site),
    get(cssPath(p), { hidden: true, summary: 'Admin style sheet' }, () =>
      respond(200, css, {
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
      }),
    ) as AnyEndpoint,
    on(`${p}/`, (ctx, actor) => indexPage(site, ctx, actor)),
    // `/admin` and `/admin/book` are the index and the list, with their slash.
    page(p, {}, () => redirect(`${p}/`, { status: 301 })) as AnyEndpoint,
    page(`${p}/:model`, {}, (ctx) =>
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
    post(`${p}/:model/:id/change`, 'change'),
    post(`${p}/:model/:id/delete`, 'delete'),
  ];
}
