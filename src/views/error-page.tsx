import type { Problem } from '../http/index.js';
import type { Html } from './html.js';

/** What an error page is rendered from: the problem an API client would get. */
export interface ErrorPageProps {
  /** The HTTP status (404, 403, 500, ...). */
  status: number;
  /** A short title (`Not Found`). */
  title: string;
  /** What went wrong, safe to show (a 500 never shows its error's message outside development). */
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

/** Basalt's plain error page: the status, title, detail and request id, no script, no external asset. */
export function defaultErrorPage(props: ErrorPageProps): Html {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.status} ${props.title}`}</title>
      </head>
      <body>
        <main>
          <h1>{`${props.status} ${props.title}`}</h1>
          <p>{props.detail}</p>
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
            <small>Request id: {props.requestId}</small>
          </p>
        </main>
      </body>
    </html>
  );
}
