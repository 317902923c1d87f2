import { type Child, CsrfField, type Html, type ViewContext } from '../views/index.js';
import { cssPath, jsPath } from './assets.js';

/** What every admin page's frame needs. */
export interface FrameProps {
  readonly view: ViewContext;
  readonly prefix: string;
  readonly siteTitle: string;
  readonly title: string;
  readonly crumbs?: readonly (readonly [string, string | null])[];
  readonly children?: Child;
}

/** The page frame: header with the user and the logout form, breadcrumbs, flash messages, main. */
export function Frame(props: FrameProps): Html {
  const { view, prefix } = props;
  const user = view.user as { email?: string; username?: string } | null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} | ${props.siteTitle}`}</title>
        <link rel="stylesheet" href={cssPath(prefix)} />
        <script src={jsPath(prefix)} defer />
      </head>
      <body>
        <a class="skip" href="#content">
          Skip to content
        </a>
        <header class="top">
          <a href={`${prefix}/`}>
            <strong>{props.siteTitle}</strong>
          </a>
          {user ? (
            <nav aria-label="Account">
              {user.email ?? user.username ?? ''} <a href={`${prefix}/password_change`}>Change password</a>{' '}
              <form method="post" action={`${prefix}/logout`}>
                <CsrfField view={view} />
                <button type="submit">Log out</button>
              </form>
            </nav>
          ) : null}
        </header>
        <main id="content">
          {props.crumbs && props.crumbs.length > 0 ? (
            <nav class="crumbs" aria-label="Breadcrumbs">
              {props.crumbs.map(([label, href], i) => (
                <>
                  {i > 0 ? ' › ' : ''}
                  {href ? <a href={href}>{label}</a> : label}
                </>
              ))}
            </nav>
          ) : null}
          {view.messages.length > 0 ? (
            <ul class="messages">
              {view.messages.map((m) => (
                <li class={m.level}>{m.text}</li>
              ))}
            </ul>
          ) : null}
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
