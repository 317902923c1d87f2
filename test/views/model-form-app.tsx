// A model form page: Django's ModelForm over a Book model with a custom validator.
import { defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { respond } from 'basalt/http';
import {
  CsrfField,
  FormFields,
  type FormState,
  type Html,
  modelForm,
  page,
  redirect,
  type ViewContext,
  views,
  withModelErrors,
} from 'basalt/views';

export const Book = defineModel('book', {
  title: f.string({
    max: 100,
    help: 'As printed on the cover.',
    validators: [
      (value: string) => (value.toLowerCase().includes('forbidden') ? 'No forbidden titles.' : undefined),
    ],
  }),
  genre: f.enum({ choices: { novel: 'Novel', poetry: 'Poetry', essay: 'Essay' } }),
  pages: f.integer(),
  summary: f.text({ optional: true }),
  publishedOn: f.date({ optional: true, label: 'Published on' }),
  inPrint: f.boolean({ default: true }),
});

export const bookForm = modelForm(Book, {
  fields: ['title', 'genre', 'pages', 'summary', 'publishedOn', 'inPrint'],
});

function BookFormPage(props: { view: ViewContext; state?: FormState<unknown> }): Html {
  return (
    <html lang="en">
      <head>
        <title>New book</title>
      </head>
      <body>
        <form method="post" action="/books/new">
          <CsrfField view={props.view} />
          <FormFields form={bookForm} state={props.state} />
          <button type="submit">Save</button>
        </form>
      </body>
    </html>
  );
}

export const modelFormApp = defineApp({
  name: 'library',
  models: [Book],
  modules: [auth(), views()],
  routes: [
    page('/books/new', {}, ({ view }) => <BookFormPage view={view} />),
    page('/books/new', { method: 'POST', form: bookForm }, async ({ form, view, db }) => {
      let state = form;
      if (state.valid) {
        try {
          const book = await db.create(Book, state.data);
          return redirect(`/books/${book.id}`);
        } catch (error) {
          state = withModelErrors(state, error);
        }
      }
      return respond(400, <BookFormPage view={view} state={state} />);
    }),
  ],
});
