import type { AuthUser } from '../auth/index.js';
import type { Executor } from '../db/index.js';
import { type AnyEndpoint, respond, t } from '../http/index.js';
import { CsrfField, flash, type Html, redirect, type ViewContext } from '../views/index.js';
import { adminPage } from './admin-page.js';
import { type AdminContext, type AdminSite, staffPage } from './context.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';

interface PasswordService {
  normalizeUsername(value: string): string;
  activeUser(db: Executor, id: unknown): Promise<AuthUser | null>;
  passwords: { checkPassword(password: string, hash: unknown): Promise<{ valid: boolean }> };
  validatePassword(password: string, user?: Partial<AuthUser>, pointer?: string): void;
  setPassword(
    db: Executor,
    user: AuthUser,
    password: string,
    options?: { validate?: boolean },
  ): Promise<AuthUser>;
  revokeAllTokens(db: Executor, userId: AuthUser['id']): Promise<number>;
  usernameField?: string;
}

const PasswordForm = t.Object({
  oldPassword: t.String({ minLength: 1, maxLength: 4096 }),
  newPassword1: t.String({ minLength: 1, maxLength: 4096 }),
  newPassword2: t.String({ minLength: 1, maxLength: 4096 }),
});

const FIELDS = [
  ['oldPassword', 'admin.password.old', 'current-password'],
  ['newPassword1', 'admin.password.new1', 'new-password'],
  ['newPassword2', 'admin.password.new2', 'new-password'],
] as const;

function PasswordView(props: {
  site: AdminSite;
  view: ViewContext;
  errors: Readonly<Record<string, string>>;
}): Html {
  const { site, view, errors } = props;
  const t = tr(view);
  return (
    <Frame
      view={view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={t.t('admin.password.title')}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [t.t('admin.password.title'), null],
      ]}
    >
      <p>{t.t('admin.password.intro')}</p>
      <form method="post" action={`${site.prefix}/password_change`}>
        <CsrfField view={view} />
        {FIELDS.map(([name, label, autocomplete]) => (
          <div class="field">
            <label for={`id_${name}`}>{t.t(label)}</label>
            <input
              type="password"
              id={`id_${name}`}
              name={name}
              required
              autocomplete={autocomplete}
              aria-invalid={errors[name] ? 'true' : undefined}
              aria-describedby={errors[name] ? `err_${name}` : undefined}
            />
            {errors[name] ? (
              <p class="errorlist" id={`err_${name}`}>
                {errors[name]}
              </p>
            ) : null}
          </div>
        ))}
        <div class="actions">
          <button type="submit" class="primary">
            {t.t('admin.password.submit')}
          </button>
        </div>
      </form>
    </Frame>
  );
}

/**
 * The password change page (`/admin/password_change`): the old password, the new one twice,
 * checked by the auth service's validators; a success signs out every other session and
 * refresh token (as `POST /auth/password/change`) and keeps this browser signed in.
 */
export function passwordPages(site: AdminSite): AnyEndpoint[] {
  const path = `${site.prefix}/password_change`;
  const show = adminPage(
    path,
    { summary: 'Admin password change' },
    staffPage(site, (ctx) => <PasswordView site={site} view={ctx.view} errors={{}} />) as never,
  );
  const submit = adminPage(
    path,
    { method: 'POST', form: PasswordForm, summary: 'Admin password change' },
    staffPage(site, async (raw) => {
      const ctx = raw as AdminContext & {
        auth: { service: PasswordService };
        session: { login(user: AuthUser): Promise<void> };
      };
      const form = ctx.form!;
      const again = (errors: Record<string, string>) =>
        respond(400, <PasswordView site={site} view={ctx.view} errors={errors} />);
      if (!form.valid) return again({ ...form.errors });
      const data = form.data as { oldPassword: string; newPassword1: string; newPassword2: string };
      const service = ctx.auth.service;
      const current = await service.activeUser(ctx.db, (ctx.user as { id: unknown }).id);
      if (!current) return redirect(`${site.prefix}/login`);
      // Guessing the old password counts against the account as a failed login would.
      const name = String(current[(service.usernameField ?? 'email') as keyof AuthUser] ?? current.id);
      await site.login.limits.account('login', service.normalizeUsername(name));
      const { valid } = await service.passwords.checkPassword(data.oldPassword, current.password);
      if (!valid) return again({ oldPassword: tr(ctx.view).t('admin.password.wrong') });
      if (data.newPassword1 !== data.newPassword2)
        return again({ newPassword2: tr(ctx.view).t('admin.password.mismatch') });
      try {
        service.validatePassword(data.newPassword1, current, '/newPassword1');
      } catch (error) {
        const detail = (error as { errors?: { detail: string }[] }).errors?.map((e) => e.detail).join(' ');
        if (!detail) throw error;
        return again({ newPassword1: detail });
      }
      await ctx.db.transaction(async (tx) => {
        await service.setPassword(tx, current, data.newPassword1, { validate: false });
        await service.revokeAllTokens(tx, current.id);
      });
      await ctx.session.login(current);
      await flash(ctx as never, tr(ctx.view).t('admin.password.done'), 'success');
      return redirect(`${site.prefix}/`);
    }) as never,
  );
  return [show, submit] as AnyEndpoint[];
}
