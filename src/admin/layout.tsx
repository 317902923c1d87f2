import { createHash } from 'node:crypto';
import { type Child, CsrfField, type Html, type ViewContext } from '../views/index.js';

/** The admin's style sheet: served as a file (the CSP allows no inline style or script). */
export const ADMIN_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d232a;background:#f6f7f9}
header.top{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;background:#24313d;color:#fff}
header.top a,header.top button{color:#fff}header.top form{display:inline}
header.top button{background:none;border:1px solid #fff6;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{padding:1rem;max-width:80rem;margin:0 auto}nav.crumbs{font-size:.9rem;margin-bottom:.5rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th a{color:inherit}.messages li{padding:.4rem .6rem;margin:.2rem 0;list-style:none;background:#e8f4ea;border-left:4px solid #2e7d32}
.messages li.error{background:#fdecea;border-color:#c62828}.errorlist{color:#b71c1c;margin:.2rem 0}
.field{margin:.8rem 0}.field label{display:block;font-weight:600}.help{color:#5b6670;font-size:.85rem}
input[type=text],input[type=number],input[type=email],input[type=url],input[type=date],input[type=datetime-local],input[type=time],input[type=password],select,textarea{width:100%;max-width:36rem;padding:.35rem;border:1px solid #b9c0c7;border-radius:4px;font:inherit}
textarea{min-height:7rem}.actions{display:flex;gap:.6rem;align-items:center;margin-top:1rem}
button.primary,a.button{background:#2c5d8a;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;text-decoration:none;cursor:pointer}
button.danger{background:#b71c1c;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;cursor:pointer}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;margin:.6rem 0}.filters select{width:auto}.pager{display:flex;gap:1rem;margin-top:.8rem}
.group{background:#fff;margin-bottom:1rem;padding:.2rem 1rem 1rem}.readonly{padding:.3rem 0}
fieldset{border:1px solid #d5dae0;border-radius:4px;margin:1rem 0;padding:.4rem 1rem;background:#fff}legend{font-weight:700;padding:0 .3rem}
.filters fieldset.range{display:inline-flex;gap:.3rem;align-items:center;margin:0;padding:.1rem .5rem}.filters input[type=date]{width:auto}
.bulk{margin:.6rem 0}.bulk select{width:auto}td.select{width:2rem}.cascade.blocked{color:#b71c1c}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){th,td{padding:.3rem}header.top{flex-wrap:wrap}}
`;

/** The style sheet's path: hashed, so it is cached for a year and changes name when it changes. */
export function cssPath(prefix: string): string {
  return `${prefix}/static/admin.${createHash('sha256').update(ADMIN_CSS).digest('hex').slice(0, 12)}.css`;
}

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
      </head>
      <body>
        <header class="top">
          <a href={`${prefix}/`}>
            <strong>{props.siteTitle}</strong>
          </a>
          {user ? (
            <span>
              {user.email ?? user.username ?? ''}{' '}
              <form method="post" action={`${prefix}/logout`}>
                <CsrfField view={view} />
                <button type="submit">Log out</button>
              </form>
            </span>
          ) : null}
        </header>
        <main>
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
