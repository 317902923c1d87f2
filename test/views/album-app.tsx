// An album form for the model-form tests: a file field (stored through basalt/storage) and a to-many field.
import { defineModel, f } from '../../src/db/index.js';
import { respond } from '../../src/http/index.js';
import { FormFields, type FormState, type Html, modelForm, page, redirect } from '../../src/views/index.js';

export const Genre = defineModel('form_genre', { name: f.string({ max: 50 }) });
export const Album = defineModel('form_album', {
  title: f.string({ max: 100 }),
  cover: f.image({ optional: true, maxSize: 2_000 }),
  genres: f.manyToMany(() => Genre),
});
const albumForm = modelForm(Album, { fields: ['title', 'cover', 'genres'] });

function AlbumForm(props: { state?: FormState<unknown>; choices: { value: string; label: string }[] }): Html {
  return (
    <form method="post" enctype="multipart/form-data">
      <FormFields form={albumForm} state={props.state} choices={{ genres: props.choices }} />
      <button type="submit">Save</button>
    </form>
  );
}

const choicesOf = async (db: {
  query: (m: typeof Genre) => { all(): Promise<{ id: number; name: string }[]> };
}) => (await db.query(Genre).all()).map((g) => ({ value: String(g.id), label: g.name }));

export const albumRoutes = [
  page('/albums/new', {}, async ({ db }) => <AlbumForm choices={await choicesOf(db)} />),
  page('/albums/new', { method: 'POST', form: albumForm }, async ({ form, db }) => {
    if (!form.valid) return respond(400, <AlbumForm state={form} choices={await choicesOf(db)} />);
    const album = await db.create(Album, form.data);
    return redirect(`/albums/${album.id}`);
  }),
];
