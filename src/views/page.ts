import { createHash, timingSafeEqual } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '../auth/index.js';
import { CsrfError } from '../auth/index.js';
import { BasaltError } from '../core/index.js';
import type { CreateInput } from '../db/index.js';
import {
  type BasaltUser,
  type Endpoint,
  type EndpointContext,
  type EndpointSpec,
  respond,
  type TypedResponse,
} from '../http/index.js';
import { isSafeRedirect, isTypedResponse, pageHeaders } from '../http/internal.js';
import type { Translator } from '../i18n/index.js';
import { type FlashMessage, takeFlashes } from './flash.js';
import { CSRF_FIELD, type FormState, FormValidator } from './form.js';
import { readFormBody } from './form-body.js';
import { FormUploads } from './form-uploads.js';
import { Html, isHtml, renderDocument } from './html.js';
import { languagesOf, rememberLanguage, translatorOf } from './languages.js';
import type { ModelForm } from './model-form.js';
import { assetUrl } from './static.js';

/** What a page declares: the endpoint's own options, the method, and the form it reads. */
export interface PageOptions
  extends Pick<
    EndpointSpec,
    'params' | 'query' | 'use' | 'auth' | 'permissions' | 'rateLimit' | 'bodyLimit' | 'summary'
  > {
  /** `GET` (default) shows a page; `POST` receives a form (its CSRF token is checked before the handler runs). */
  method?: 'GET' | 'POST';
  /**
   * The form's fields, as a TypeBox object or a {@link ModelForm}: the handler gets `ctx.form`,
   * valid or with an error per field.
   */
  form?: TSchema | ModelForm;
  /**
   * The sign-in page of an `auth: 'required'` page (Django's `login_required(login_url=...)`):
   * a signed-out visitor is redirected there with `?next=` this page's path and query, instead
   * of getting a 401 page. Without it, the 401 stays (an API client's answer too).
   *
   * @example
   * page('/orders', { auth: 'required', signIn: '/signin' }, ...)
   */
  signIn?: string;
  /**
   * Document headers of this page's answers, over Basalt's (the admin sends a stricter
   * `content-security-policy`). Written last, so a handler's own headers cannot loosen them.
   */
  documentHeaders?: Readonly<Record<string, string>>;
}

/** What templates get from the request: the user, the CSRF token, flash messages, the path, the language. */
export interface ViewContext {
  /** The signed-in user, or null. */
  readonly user: BasaltUser | null;
  /** The session's CSRF token (every form of the page sends it), or undefined without a session. */
  readonly csrfToken: string | undefined;
  /** Flash messages for this page, shown once: taking them removes them from the session. */
  readonly messages: readonly FlashMessage[];
  /** The request path, without the query string. */
  readonly path: string;
  /**
   * Messages and formats in the request's language (`view.i18n.t('shop.cart.count', { count })`,
   * `view.i18n.date(order.placedOn)`): the user's setting, else `Accept-Language`, else the
   * default of `views({ languages })`.
   */
  readonly i18n: Translator;
  /** The request's locale (`es`): `<html lang={view.locale}>`. */
  readonly locale: string;
  /**
   * The URL of a static file (`view.asset('app.css')`): `/static/app.css` in development,
   * `/static/app.3f2a1b9c0d.css` once built, through `basalt build`'s manifest.
   */
  asset(name: string): string;
}

/** A page's {@link ViewContext}: the language is chosen on first use, so a page that never asks pays nothing. */
class PageView implements ViewContext {
  readonly user: BasaltUser | null;
  readonly csrfToken: string | undefined;
  readonly messages: readonly FlashMessage[];
  readonly #request: FastifyRequest;

  constructor(
    request: FastifyRequest,
    user: BasaltUser | null,
    csrfToken: string | undefined,
    messages: readonly FlashMessage[],
  ) {
    this.user = user;
    this.csrfToken = csrfToken;
    this.messages = messages;
    this.#request = request;
  }

  get path(): string {
    const url = this.#request.url;
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  }

  get i18n(): Translator {
    return translatorOf(this.#request, this.user);
  }

  get locale(): string {
    return this.i18n.locale;
  }

  asset(name: string): string {
    return assetUrl(this.#request, name);
  }
}

/** What a page handler receives: an endpoint's context, plus `form` and `view`. */
export type PageContext<P extends string, O extends PageOptions> = EndpointContext<P, O> & {
  form: O['form'] extends ModelForm<infer M>
    ? FormState<CreateInput<M>>
    : O['form'] extends TSchema
      ? FormState<Static<O['form']>>
      : undefined;
  view: ViewContext;
};

/** The HTTP method of a page: `POST` when it says so, else `GET`. */
export type PageMethod<O extends PageOptions> = O extends { method: 'POST' } ? 'POST' : 'GET';

/** What a page handler answers: markup (200), markup with a status (`respond(400, <Form/>)`), or a redirect. */
export type PageResult = Html | Redirect | TypedResponse<number, Html>;

/** A redirect made by {@link redirect}; followed only when its target is safe. */
export class Redirect {
  readonly target: string;
  readonly status: 301 | 302 | 303 | 307 | 308;
  readonly fallback: string;

  constructor(target: string, status: Redirect['status'], fallback: string) {
    this.target = target;
    this.status = status;
    this.fallback = fallback;
  }
}

/**
 * Redirects (303 See Other by default, right after a form post). A target that is not a
 * path of this site (`//evil.test`, `https://evil.test`, `/\evil.test`, `javascript:`) is never
 * followed: the redirect goes to `fallback` (`/`) instead, so `?next=` values are safe to pass.
 *
 * @example
 * return redirect(ctx.query.next ?? '/books', { fallback: '/books' });
 */
export function redirect(
  target: string,
  options: { status?: Redirect['status']; fallback?: string } = {},
): Redirect {
  return new Redirect(target, options.status ?? 303, options.fallback ?? '/');
}

/**
 * Declares a server-rendered page (Flask's `@app.route`, a Django view): params, query,
 * dependencies, auth and permissions as on `get`/`post` endpoints; the handler answers
 * markup. A `POST` page reads a form body (url-encoded or multipart) into `ctx.form`,
 * validated against `form`, after checking the session's CSRF token (403, nothing run).
 *
 * @example
 * export const bookPage = page('/books/:id', { params: t.Object({ id: t.Integer() }) },
 *   async ({ params, db, view }) => <BookPage view={view} book={await db.query(Book).get(params.id)} />);
 */
export function page<const P extends string, const O extends PageOptions>(
  path: P,
  options: O,
  handler: (context: PageContext<P, O>) => PageResult | Promise<PageResult>,
): Endpoint<PageMethod<O>, P, Omit<O, 'method' | 'form'>> {
  const method = options.method ?? 'GET';
  const form = options.form;
  const validator = form ? new FormValidator(isModelForm(form) ? form.schema : form) : undefined;
  const fileForm =
    form && isModelForm(form) && form.fields.some((f) => f.widget.kind === 'file') ? form : undefined;
  const spec: EndpointSpec = {
    params: options.params,
    query: options.query,
    use: options.use,
    auth: options.auth,
    permissions: options.permissions,
    rateLimit: options.rateLimit,
    summary: options.summary,
    hidden: true,
    ...(method === 'POST' ? { streamBody: true, csrf: 'form' as const } : {}),
  };
  const signIn = options.signIn !== undefined && options.auth === 'required' ? options.signIn : undefined;
  if (signIn !== undefined) {
    if (!signIn.startsWith('/') || signIn.startsWith('//'))
      throw new TypeError(`page(${path}): signIn must be a path of this site (got ${signIn})`);
    // The page checks the user itself, to redirect a signed-out visitor rather than answer 401.
    if (options.permissions === undefined) spec.auth = 'optional';
  }
  for (const key of Object.keys(spec) as (keyof EndpointSpec)[])
    if (spec[key] === undefined) delete spec[key];
  const limit = options.bodyLimit;
  const own = options.documentHeaders ? Object.entries(options.documentHeaders) : undefined;
  type Context = PageContext<P, O> & { session?: SessionLike };
  const render = (context: Context, messages: readonly FlashMessage[]): unknown => {
    // The user's own language, remembered for the answers given before any user is known.
    if (context.user !== null) rememberLanguage(context.request, context.reply, context.user);
    (context as { view: ViewContext }).view = new PageView(
      context.request,
      context.user,
      context.session?.csrfToken(),
      messages,
    );
    const result = handler(context);
    return result instanceof Promise
      ? result.then((value) => answer(value, context.request, context.reply, own))
      : answer(result, context.request, context.reply, own);
  };
  // A HEAD request (a link checker, a prefetch) must not use up the messages.
  const show = (context: Context): unknown => {
    const messages = context.request.method === 'HEAD' ? NO_MESSAGES : takeFlashes(context);
    return messages instanceof Promise
      ? messages.then((taken) => render(context, taken))
      : render(context, messages);
  };
  const receive = async (context: Context): Promise<unknown> => {
    checkSessionlessOrigin(context.request, context.session);
    const i18n = translatorOf(context.request, context.user);
    const uploads = fileForm ? new FormUploads(context, fileForm, i18n) : undefined;
    // Nothing reaches storage before the token is checked: it must come before the files, in
    // its field (CsrfField first in the form) or in the X-CSRF-Token header.
    if (uploads !== undefined)
      uploads.beforeFirstFile = (sent) =>
        checkCsrf(context.session, sent[CSRF_FIELD] ?? context.request.headers[CSRF_HEADER], true);
    let values: Awaited<ReturnType<typeof readFormBody>>;
    try {
      values = await readFormBody(context.request, limit, uploads);
      checkCsrf(context.session, values[CSRF_FIELD] ?? context.request.headers[CSRF_HEADER]);
    } catch (error) {
      await uploads?.discard();
      throw error;
    }
    delete values[CSRF_FIELD];
    const state = validator?.check(values, i18n, uploads?.files, uploads?.errors);
    if (state && !state.valid) await uploads?.discard();
    (context as { form: unknown }).form = state;
    if (uploads === undefined) return show(context);
    try {
      return await show(context);
    } catch (error) {
      await uploads.discard();
      throw error;
    }
  };
  const serve = method === 'POST' ? receive : show;
  const run =
    signIn === undefined
      ? serve
      : (context: Context): unknown => {
          if (context.user !== null) return serve(context);
          const next = encodeURIComponent(context.request.url);
          const target = `${signIn}${signIn.includes('?') ? '&' : '?'}next=${next}`;
          return answer(redirect(target), context.request, context.reply);
        };
  return {
    kind: 'endpoint',
    method,
    path,
    spec,
    handler: run as unknown as Endpoint<PageMethod<O>, P, Omit<O, 'method' | 'form'>>['handler'],
  } as Endpoint<PageMethod<O>, P, Omit<O, 'method' | 'form'>>;
}

function isModelForm(form: TSchema | ModelForm): form is ModelForm {
  return 'fields' in form && 'model' in form && Array.isArray((form as ModelForm).fields);
}

/** The part of `ctx.session` (basalt/auth) a page uses. */
interface SessionLike {
  readonly exists: boolean;
  csrfToken(): string | undefined;
}

/**
 * A form posted without a session is not checked by auth (there is no token to check), yet a
 * sign-in or sign-up form must not be posted from another site (login CSRF): a browser names
 * the posting page's origin, which must be this one.
 */
function checkSessionlessOrigin(request: FastifyRequest, session: SessionLike | undefined): void {
  if (session?.exists) return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let own: string | undefined;
  try {
    own = new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    own = undefined;
  }
  if (origin !== own)
    throw new CsrfError(`Origin checking failed: ${JSON.stringify(origin.slice(0, 100))} is not this site`);
}

/** The header a script's form post may send the token in (as auth's unsafe requests do). */
const CSRF_HEADER = 'x-csrf-token';

function checkCsrf(
  session: SessionLike | undefined,
  sent: string | string[] | undefined,
  beforeFiles = false,
): void {
  // Without a session there is nothing a forged request could act as (as auth's header check).
  if (session === undefined || !session.exists) return;
  const expected = session.csrfToken();
  if (expected === undefined) return;
  if (typeof sent !== 'string' || sent === '')
    throw new CsrfError(
      beforeFiles
        ? `CSRF token missing before the form's files: send the ${CSRF_FIELD} field before any file field (CsrfField first in the form), or the X-CSRF-Token header`
        : `CSRF token missing: the form must send it in its ${CSRF_FIELD} field`,
    );
  const digest = (text: string) => createHash('sha256').update(text).digest();
  if (!timingSafeEqual(digest(sent), digest(expected))) throw new CsrfError('CSRF token incorrect');
}

const NO_MESSAGES: readonly FlashMessage[] = Object.freeze([]);

// The document headers as two arrays: reply.headers() would list the object's keys per request.
const DOCUMENT_HEADERS = pageHeaders({});
const HEADER_NAMES = Object.keys(DOCUMENT_HEADERS);
const HEADER_VALUES = HEADER_NAMES.map((name) => DOCUMENT_HEADERS[name]!);

/** The handler's result as the route's answer: a status, headers and the document. */
function answer(
  result: PageResult,
  request: FastifyRequest,
  reply: FastifyReply,
  own?: readonly (readonly [string, string])[],
): TypedResponse {
  if (result instanceof Redirect) {
    const origin = `${request.protocol}://${request.host}`;
    const safe = (target: string) => isSafeRedirect(target, { origin });
    const location = safe(result.target) ? result.target : safe(result.fallback) ? result.fallback : '/';
    return respond(result.status, '', { location });
  }
  let markup: unknown = result;
  let status = 200;
  if (!(result instanceof Html) && isTypedResponse(result)) {
    status = result.status;
    if (result.headers) reply.headers(result.headers);
    markup = result.body;
  }
  if (!isHtml(markup))
    throw new BasaltError(
      'BASALT_INTERNAL_ERROR',
      'A page handler must answer markup (an element or trustedHtml), respond(status, markup) or redirect()',
    );
  for (let i = 0; i < HEADER_NAMES.length; i += 1) reply.header(HEADER_NAMES[i]!, HEADER_VALUES[i]!);
  if (own !== undefined) for (const [name, value] of own) reply.header(name, value);
  reply.header('content-type', 'text/html; charset=utf-8');
  if (languagesOf(request).locales.length > 1) reply.header('vary', 'Accept-Language, Cookie');
  return respond(status, renderDocument(markup));
}
