import type { FastifyReply } from 'fastify';
import type { ModuleDefinition } from '../app/index.js';
import { ERROR_PAGE, type ErrorPageHook, pageHeaders } from '../http/internal.js';
import { type LanguageOptions, Languages } from '../i18n/index.js';
import { defaultErrorPage, type ErrorPageRenderer, errorMessage, errorTitle } from './error-page.js';
import { renderDocument } from './html.js';
import { LANGUAGES, translatorOf } from './languages.js';
import { prefersHtml } from './negotiation.js';
import { STATIC, StaticFiles, type StaticOptions } from './static.js';

/** Options of {@link views}. */
export interface ViewsOptions {
  /** The app's own error page (404, 403, 500, ...), given the problem an API client would get. */
  errorPage?: ErrorPageRenderer;
  /**
   * The languages the site is offered in and the app's messages (default: English only).
   * Each page's `view.i18n` speaks the user's setting or the browser's `Accept-Language`.
   */
  languages?: LanguageOptions | Languages;
  /**
   * The app's static files (default: the `static/` folder, served under `/static/` when it
   * exists). From source in development; from `basalt build`'s output with hashed names and
   * `Cache-Control: immutable` when the app runs built. `false` serves none.
   */
  static?: StaticOptions | false;
}

const DOCUMENT_HEADERS = pageHeaders({});

/**
 * The views module: browsers (`Accept: text/html` before JSON) get HTML error pages — the
 * app's `errorPage` or Basalt's — while API clients on the same app keep problem+json.
 *
 * With `languages`, pages and error pages speak the user's language (`view.i18n`).
 *
 * @example
 * defineApp({
 *   name: 'shop',
 *   modules: [auth(), views({ errorPage: ShopErrorPage, languages: { locales: ['en', 'es'], messages: shopMessages } })],
 *   routes: [home, bookPage],
 * });
 */
export function views(options: ViewsOptions = {}): ModuleDefinition {
  const render = options.errorPage ?? defaultErrorPage;
  const languages =
    options.languages instanceof Languages ? options.languages : new Languages(options.languages);
  // With several languages, the page also follows the remembered language (a cookie).
  const vary = languages.locales.length > 1 ? 'Accept, Accept-Language, Cookie' : 'Accept';
  const hook: ErrorPageHook = (problem, reply: FastifyReply) => {
    // The answer depends on Accept either way: caches must keep the two apart.
    reply.header('vary', vary);
    if (!prefersHtml(reply.request)) return undefined;
    let markup: string;
    try {
      const i18n = translatorOf(reply.request);
      markup = renderDocument(
        render({
          status: problem.status,
          title: errorTitle(i18n, problem.status, problem.title),
          message: errorMessage(i18n, problem.status, problem.code),
          i18n,
          detail: problem.detail,
          code: problem.code,
          requestId: problem.requestId,
          ...(problem.errors ? { errors: problem.errors } : {}),
          ...(problem.stack ? { stack: problem.stack } : {}),
        }),
      );
    } catch {
      // A broken error page must not hide the error: the client gets problem+json.
      return undefined;
    }
    reply.headers(DOCUMENT_HEADERS);
    return markup;
  };
  const files = options.static === false ? undefined : new StaticFiles(options.static);
  return {
    name: 'views',
    setup(api) {
      if (files?.exists) api.addRoutes(files.route());
      api.addRequestHook('onRequest', (request) => {
        if (files) (request as { [STATIC]?: StaticFiles })[STATIC] = files;
        (request as { [ERROR_PAGE]?: ErrorPageHook })[ERROR_PAGE] = hook;
        (request as { [LANGUAGES]?: Languages })[LANGUAGES] = languages;
      });
    },
  };
}
