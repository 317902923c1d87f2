import type { FastifyReply } from 'fastify';
import type { ModuleDefinition } from '../app/index.js';
import { ERROR_PAGE, type ErrorPageHook, pageHeaders } from '../http/internal.js';
import { defaultErrorPage, type ErrorPageRenderer } from './error-page.js';
import { renderDocument } from './html.js';
import { prefersHtml } from './negotiation.js';

/** Options of {@link views}. */
export interface ViewsOptions {
  /** The app's own error page (404, 403, 500, ...), given the problem an API client would get. */
  errorPage?: ErrorPageRenderer;
}

const DOCUMENT_HEADERS = pageHeaders({});

/**
 * The views module: browsers (`Accept: text/html` before JSON) get HTML error pages — the
 * app's `errorPage` or Basalt's — while API clients on the same app keep problem+json.
 *
 * @example
 * defineApp({ name: 'shop', modules: [auth(), views({ errorPage: ShopErrorPage })], routes: [home, bookPage] });
 */
export function views(options: ViewsOptions = {}): ModuleDefinition {
  const render = options.errorPage ?? defaultErrorPage;
  const hook: ErrorPageHook = (problem, reply: FastifyReply) => {
    // The answer depends on Accept either way: caches must keep the two apart.
    reply.header('vary', 'Accept');
    if (!prefersHtml(reply.request)) return undefined;
    let markup: string;
    try {
      markup = renderDocument(
        render({
          status: problem.status,
          title: problem.title,
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
  return {
    name: 'views',
    setup(api) {
      api.addRequestHook('onRequest', (request) => {
        (request as { [ERROR_PAGE]?: ErrorPageHook })[ERROR_PAGE] = hook;
      });
    },
  };
}
