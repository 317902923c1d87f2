import { isBasaltError, t } from 'basalt';
import { respond } from 'basalt/http';
import { CsrfField, flash, page, redirect, type ViewContext } from 'basalt/views';
import { registerCustomer } from '../accounts.js';
import { cartOf } from './catalogue.js';
import { Layout } from './layout.js';

const Next = t.Optional(t.String({ maxLength: 500 }));

function SignInForm(props: { view: ViewContext; next?: string; email?: string; error?: string }) {
  const { view } = props;
  const i18n = view.i18n;
  return (
    <Layout view={view} title={i18n.t('shop.signIn.title')}>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={`/signin${props.next ? `?next=${encodeURIComponent(props.next)}` : ''}`}>
        <CsrfField view={view} />
        <p>
          <label>
            {i18n.t('shop.signIn.email')}{' '}
            <input type="email" name="email" required autocomplete="username" value={props.email ?? ''} />
          </label>
        </p>
        <p>
          <label>
            {i18n.t('shop.signIn.password')}{' '}
            <input type="password" name="password" required autocomplete="current-password" />
          </label>
        </p>
        <button type="submit">{i18n.t('shop.signIn.submit')}</button>
      </form>
    </Layout>
  );
}

export const signInPage = page('/signin', { query: t.Object({ next: Next }) }, ({ view, query }) => (
  <SignInForm view={view} next={query.next} />
));

/** Signs in with the session (the cart comes along); `next` is followed only when it is this site's. */
export const signIn = page(
  '/signin',
  {
    method: 'POST',
    query: t.Object({ next: Next }),
    form: t.Object({ email: t.String({ maxLength: 254 }), password: t.String({ maxLength: 4096 }) }),
    rateLimit: { max: 20, window: '1m' },
  },
  async (ctx) => {
    const { form, view, db, auth, query } = ctx;
    const email = form.values.email ?? '';
    const user = form.valid ? await auth.service.authenticate(db, form.data.email, form.data.password) : null;
    if (!user)
      return respond(
        400,
        <SignInForm view={view} next={query.next} email={email} error={view.i18n.t('shop.signIn.failed')} />,
      );
    await ctx.session.login(user);
    await flash(ctx, view.i18n.t('shop.signIn.welcome', { name: String(user.email) }), 'success');
    return redirect(query.next ?? '/books', { fallback: '/books' });
  },
);

const SignUpForm = t.Object({
  name: t.String({ minLength: 1, maxLength: 120 }),
  email: t.String({ format: 'email', maxLength: 254 }),
  password: t.String({ minLength: 1, maxLength: 4096 }),
});

function SignUpPage(props: {
  view: ViewContext;
  values?: Readonly<Record<string, string>>;
  errors?: Readonly<Record<string, string>>;
}) {
  const { view } = props;
  const i18n = view.i18n;
  const field = (name: 'name' | 'email' | 'password', type: string, label: string) => (
    <p>
      <label>
        {label}{' '}
        <input
          type={type}
          name={name}
          required
          value={type === 'password' ? undefined : (props.values?.[name] ?? '')}
          aria-invalid={props.errors?.[name] ? 'true' : undefined}
        />
      </label>
      {props.errors?.[name] ? <span class="error">{props.errors[name]}</span> : null}
    </p>
  );
  return (
    <Layout view={view} title={i18n.t('shop.signUp.title')}>
      <form method="post" action="/signup">
        <CsrfField view={view} />
        {field('name', 'text', i18n.t('shop.signUp.name'))}
        {field('email', 'email', i18n.t('shop.signIn.email'))}
        {field('password', 'password', i18n.t('shop.signIn.password'))}
        <button type="submit">{i18n.t('shop.signUp.submit')}</button>
      </form>
    </Layout>
  );
}

export const signUpPage = page('/signup', {}, ({ view }) => <SignUpPage view={view} />);

/** Creates the account and its customer profile (as `POST /api/signup`), then signs in. */
export const signUp = page(
  '/signup',
  { method: 'POST', form: SignUpForm, rateLimit: { max: 10, window: '1h' } },
  async (ctx) => {
    const { form, view, db, auth } = ctx;
    if (!form.valid)
      return respond(400, <SignUpPage view={view} values={form.values} errors={form.errors} />);
    try {
      await registerCustomer(db, auth.service, form.data, '/password');
    } catch (error) {
      if (!isBasaltError(error) || !error.errors || error.status >= 500) throw error;
      const errors: Record<string, string> = {};
      for (const issue of error.errors) {
        const name = issue.pointer.split('/').pop() ?? '';
        errors[name] = error.status === 409 ? view.i18n.t('shop.signUp.taken') : issue.detail;
      }
      return respond(error.status, <SignUpPage view={view} values={form.values} errors={errors} />);
    }
    const user = await auth.service.authenticate(db, form.data.email, form.data.password);
    if (user) await ctx.session.login(user);
    await flash(ctx, view.i18n.t('shop.signUp.welcome', { name: form.data.name }), 'success');
    return redirect(Object.keys(cartOf(ctx)).length > 0 ? '/cart' : '/books');
  },
);

export const signOut = page('/signout', { method: 'POST' }, async (ctx) => {
  await ctx.session.logout();
  return redirect('/books');
});
