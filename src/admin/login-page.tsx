import type { Executor } from '../db/index.js';
import { type AnyEndpoint, respond, t } from '../http/index.js';
import { requestActor } from '../rest/index.js';
import { CsrfField, type Html, redirect, type ViewContext } from '../views/index.js';
import { adminPage } from './admin-page.js';
import { type AdminContext, type AdminSite, type Row, USERNAME_FIELDS } from './context.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';

function LoginView(props: {
  site: AdminSite;
  view: ViewContext;
  username: string;
  usernameLabel: string;
  next: string;
  error?: string;
}): Html {
  const { site, view } = props;
  const t = tr(view);
  return (
    <Frame view={view} prefix={site.prefix} siteTitle={site.title} title={t.t('admin.login.title')}>
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
          <label for="id_password">{t.t('admin.login.password')}</label>
          <input type="password" id="id_password" name="password" required autocomplete="current-password" />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {t.t('admin.login.title')}
          </button>
        </div>
      </form>
    </Frame>
  );
}

function safeNext(site: AdminSite, next: unknown): string {
  return typeof next === 'string' && next.startsWith(`${site.prefix}/`) ? next : `${site.prefix}/`;
}

export function loginPages(site: AdminSite): AnyEndpoint[] {
  const usernameLabel = (ctx: AdminContext) => {
    const field = (ctx as { auth?: { service?: { usernameField?: string } } }).auth?.service?.usernameField;
    return tr(ctx.view).t(
      field && USERNAME_FIELDS.includes(field) && field === 'email'
        ? 'admin.login.email'
        : 'admin.login.username',
    );
  };
  const LoginForm = t.Object({
    username: t.String({ minLength: 1, maxLength: 254 }),
    password: t.String({ minLength: 1, maxLength: 4096 }),
    next: t.Optional(t.String({ maxLength: 2000 })),
  });
  const show = adminPage(`${site.prefix}/login`, { summary: 'Admin login' }, (raw) => {
    const ctx = raw as unknown as AdminContext;
    const next = safeNext(site, (ctx.request.query as Record<string, unknown>).next);
    if (ctx.user && requestActor(ctx).isStaff) return redirect(next, { fallback: `${site.prefix}/` });
    const notStaff = ctx.user ? tr(ctx.view).t('admin.login.notStaff') : undefined;
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
  const submit = adminPage(
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
      if (!form.valid) return again(tr(ctx.view).t('admin.login.invalid'));
      const service = (ctx as unknown as { auth: { service: AuthServiceLike } }).auth.service;
      // The same per-account bucket as the session login and POST /auth/token.
      await site.login.limits.account('login', service.normalizeUsername(String(form.data.username)));
      const user = await service.authenticate(ctx.db, String(form.data.username), String(form.data.password));
      if (
        !user ||
        !(user as { isStaff?: boolean }).isStaff ||
        (user as { isActive?: boolean }).isActive === false
      )
        return again(tr(ctx.view).t('admin.login.invalid'));
      await ctx.session.login(user);
      return redirect(next, { fallback: `${site.prefix}/` });
    },
  );
  const logout = adminPage(
    `${site.prefix}/logout`,
    { method: 'POST', summary: 'Admin logout' },
    async (raw) => {
      const ctx = raw as unknown as AdminContext & { session: { logout(): Promise<void> } };
      await ctx.session.logout();
      return redirect(`${site.prefix}/login`);
    },
  );
  return [show, submit, logout] as AnyEndpoint[];
}

interface AuthServiceLike {
  normalizeUsername(value: string): string;
  authenticate(db: Executor, username: string, password: string): Promise<Row | null>;
}
