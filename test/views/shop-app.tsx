// A small server-rendered site for the views tests: a layout with a component, a list of notes,
// a form page that writes a note (validation re-rendered, CSRF checked), flash messages, redirects
// with a user-supplied target, and trusted markup.
import { defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { get, respond, t } from 'basalt/http';
import {
  type Child,
  CsrfField,
  type ErrorPageProps,
  flash,
  type Html,
  page,
  redirect,
  trustedHtml,
  type ViewContext,
  views,
} from 'basalt/views';

export const Note = defineModel('note', {
  title: f.string({ max: 100 }),
  link: f.string({ max: 500, default: '' }),
  stars: f.integer({ default: 0 }),
});

function Layout(props: { title: string; view: ViewContext; children?: Child }): Html {
  return (
    <html lang="en">
      <head>
        <title>{props.title}</title>
      </head>
      <body>
        <nav>{props.view.user ? `Signed in as ${String(props.view.user.email)}` : 'Anonymous'}</nav>
        {props.view.messages.map((m) => (
          <p class={`flash ${m.level}`}>{m.text}</p>
        ))}
        <main>{props.children}</main>
      </body>
    </html>
  );
}

function NoteItem(props: { title: string; link: string; stars: number }): Html {
  return (
    <li title={props.title} data-stars={props.stars}>
      <a href={props.link}>{props.title}</a>
    </li>
  );
}

const NoteForm = t.Object({
  title: t.String({ minLength: 1, maxLength: 100 }),
  link: t.Optional(t.String({ maxLength: 500 })),
  stars: t.Integer({ minimum: 0, maximum: 5 }),
  public: t.Boolean(),
});

function NoteFormPage(props: {
  view: ViewContext;
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
}): Html {
  return (
    <Layout title="New note" view={props.view}>
      <form method="post" action="/notes/new">
        <CsrfField view={props.view} />
        <label>
          Title <input name="title" value={props.values.title ?? ''} />
        </label>
        {props.errors.title ? (
          <p class="error" id="title-error">
            {props.errors.title}
          </p>
        ) : null}
        <input name="stars" value={props.values.stars ?? ''} />
        {props.errors.stars ? (
          <p class="error" id="stars-error">
            {props.errors.stars}
          </p>
        ) : null}
        <input type="checkbox" name="public" checked={props.values.public === 'on'} />
        <button type="submit">Save</button>
      </form>
    </Layout>
  );
}

export const shopApp = defineApp({
  name: 'shop',
  models: [Note],
  modules: [
    auth(),
    views({
      errorPage: (p: ErrorPageProps) => (
        <html lang="en">
          <body>
            <h1 id="status">{`Shop error ${p.status}`}</h1>
            <p>{p.detail}</p>
          </body>
        </html>
      ),
    }),
  ],
  routes: [
    page('/notes', {}, async ({ db, view }) => {
      const notes = await db.query(Note).all();
      return (
        <Layout title="Notes" view={view}>
          <ul>
            {notes.map((n) => (
              <NoteItem title={n.title} link={n.link} stars={n.stars} />
            ))}
          </ul>
          {trustedHtml('<footer id="trusted">&copy; <b>Shop</b></footer>')}
        </Layout>
      );
    }),
    page('/notes/new', {}, ({ view }) => <NoteFormPage view={view} values={{}} errors={{}} />),
    page('/notes/new', { method: 'POST', form: NoteForm }, async (ctx) => {
      const { form, view, db } = ctx;
      if (!form.valid)
        return respond(400, <NoteFormPage view={view} values={form.values} errors={form.errors} />);
      await db.create(Note, { title: form.data.title, link: form.data.link ?? '', stars: form.data.stars });
      await flash(ctx, `Saved “${form.data.title}”.`, 'success');
      return redirect('/notes');
    }),
    page('/go', { query: t.Object({ next: t.Optional(t.String({ maxLength: 200 })) }) }, ({ query }) =>
      redirect(query.next ?? '/notes', { fallback: '/notes' }),
    ),
    page('/private', { auth: 'required' }, ({ view }) => (
      <Layout title="Private" view={view}>
        secret
      </Layout>
    )),
    page('/account', { auth: 'required', signIn: '/signin' }, ({ view, user }) => (
      <Layout title="Account" view={view}>
        {`signed in as ${String(user?.id)}`}
      </Layout>
    )),
    page('/boom', {}, () => {
      throw new Error('kaboom: internal detail');
    }),
    get('/api/ping', { response: t.Object({ ok: t.Boolean() }) }, () => ({ ok: true })),
  ],
});
