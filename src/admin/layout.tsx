import { type Child, CsrfField, type Html, type ViewContext } from '../views/index.js';
import { cssPath, jsPath } from './assets.js';
import { tr } from './messages.js';

/** What every admin page's frame needs. */
export interface FrameProps {
  readonly view: ViewContext;
  readonly prefix: string;
  readonly siteTitle: string | undefined;
  readonly title: string;
  readonly crumbs?: readonly (readonly [string, string | null])[];
  readonly children?: Child;
}

/** The page frame: header with the user and the logout form, breadcrumbs, flash messages, main. */
export function Frame(props: FrameProps): Html {
  const { view, prefix } = props;
  const user = view.user as { email?: string; username?: string } | null;
  const t = tr(view);
  const siteTitle = props.siteTitle ?? t.t('admin.title');
  return (
    <html lang={view.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} | ${siteTitle}`}</title>
        <link rel="stylesheet" href={cssPath(prefix)} />
        <script src={jsPath(prefix)} defer />
      </head>
      <body>
        <a class="skip" href="#content">
          {t.t('admin.skip')}
        </a>
        <header class="top">
          <a href={`${prefix}/`}>
            <strong>{siteTitle}</strong>
          </a>
          {user ? (
            <nav aria-label={t.t('admin.account')}>
              {user.email ?? user.username ?? ''}{' '}
              <a href={`${prefix}/password_change`}>{t.t('admin.changePassword')}</a>{' '}
              <form method="post" action={`${prefix}/logout`}>
                <CsrfField view={view} />
                <button type="submit">{t.t('admin.logout')}</button>
              </form>
            </nav>
          ) : null}
        </header>
        <main id="content">
          {props.crumbs && props.crumbs.length > 0 ? (
            <nav class="crumbs" aria-label={t.t('admin.breadcrumbs')}>
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
