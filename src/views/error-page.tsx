import type { Problem } from '../http/index.js';
import type { Translator } from '../i18n/index.js';
import type { Html } from './html.js';

/** What an error page is rendered from: the problem an API client would get. */
export interface ErrorPageProps {
  /** The HTTP status (404, 403, 500, ...). */
  status: number;
  /** A short title in the request's language (`Not found`, `No encontrado`). */
  title: string;
  /** What happened and what to do, for a person, in the request's language (by the error's code, else its status). */
  message: string;
  /** The request's translator, for the app's own wording (`i18n.t('shop.error.home')`). */
  i18n: Translator;
  /** The problem's detail, technical and in English (a 500 never shows its error's message outside development). */
  detail: string;
  /** The error code of the catalogue (`BASALT_HTTP_NOT_FOUND`). */
  code: string;
  /** The request id to quote when reporting the error. */
  requestId: string;
  /** Field errors of a 400, as in problem+json. */
  errors?: Problem['errors'];
  /** The error's stack: only in development, never in production. */
  stack?: string;
}

/** Renders an error page: the app's own (`views({ errorPage })`) or {@link defaultErrorPage}. */
export type ErrorPageRenderer = (props: ErrorPageProps) => Html;

/** The title of an error page: the catalogue's for the status in the request's language, else the problem's (English). */
export function errorTitle(i18n: Translator, status: number, fallback: string): string {
  const key = `basalt.error.title.${status}`;
  return i18n.has(key) ? i18n.t(key) : fallback;
}

/** The explanation of an error page: by the error's code, else its status, else a general one. */
export function errorMessage(i18n: Translator, status: number, code: string): string {
  for (const key of [`basalt.error.message.${code}`, `basalt.error.message.${status}`])
    if (i18n.has(key)) return i18n.t(key);
  return i18n.t('basalt.error.message.other');
}

/**
 * Basalt's plain error page, in the request's language: the status, title, explanation, the
 * problem's detail and the request id; no script, no external asset.
 */
export function defaultErrorPage(props: ErrorPageProps): Html {
  const { i18n } = props;
  return (
    <html lang={i18n.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.status} ${props.title}`}</title>
      </head>
      <body>
        <main>
          <h1>{`${props.status} ${props.title}`}</h1>
          <p>{props.message}</p>
          {props.detail && props.detail !== props.message ? (
            <p class="detail">
              {i18n.t('basalt.error.details')}: {props.detail}
            </p>
          ) : null}
          {props.errors && props.errors.length > 0 ? (
            <ul>
              {props.errors.map((error) => (
                <li>
                  <code>{error.pointer}</code> {error.detail}
                </li>
              ))}
            </ul>
          ) : null}
          {props.stack ? <pre>{props.stack}</pre> : null}
          <p>
            <small>{i18n.t('basalt.error.requestId', { id: props.requestId })}</small>
          </p>
        </main>
      </body>
    </html>
  );
}
