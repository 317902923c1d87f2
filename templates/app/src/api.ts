import { get, t } from 'basalt';
import { resource } from 'basalt/rest';
import { Note } from './models.js';
import { noteCreated } from './tasks.js';

/**
 * `/api/notes`: list, create, read, update and delete notes. Everyone reads them; a signed-in
 * user writes notes as themselves and may change or delete only their own.
 */
export const notes = resource(Note, {
  path: '/api/notes',
  readOnly: ['authorId'],
  search: ['title', 'body'],
  ordering: ['createdAt', 'title'],
  permissions: { read: 'anyone', write: 'authenticated' },
  check: ({ action, object, actor }) => action === 'retrieve' || object.authorId === Number(actor.user?.id),
  hooks: {
    beforeCreate({ data, actor }) {
      data.authorId = Number(actor.user?.id);
    },
    // In the write's transaction: no job for a note that was not saved.
    async afterCreate({ object, context, db }) {
      await context?.jobs.enqueue(noteCreated, { noteId: object.id }, { db });
    },
  },
});

/** `GET /api/me`: the signed-in user; without a valid token, 401. */
export const me = get(
  '/api/me',
  {
    summary: 'The signed-in user',
    auth: 'required',
    // Bounded like the user model's fields, so the OpenAPI document is bounded too.
    response: t.Object({
      id: t.Integer({ minimum: 1, maximum: 2_147_483_647 }),
      email: t.String({ maxLength: 254 }),
    }),
  },
  ({ user }) => ({ id: Number(user?.id), email: String(user?.email ?? '') }),
);
