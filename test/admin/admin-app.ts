// A small app for the admin tests: a model of every field kind the forms edit, one with a
// collection policy (scope, field rule), the audit log, and the admin with options.
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { audit, defineCollection } from 'basalt/ops';

export const Writer = defineModel('writer', {
  name: f.string({ max: 120 }),
});

export const Book = defineModel(
  'book',
  {
    title: f.string({ max: 200, help: 'As printed on the cover' }),
    blurb: f.text({ optional: true }),
    pages: f.integer({
      default: 100,
      validators: [(n) => (n >= 1 ? undefined : 'A book has at least 1 page')],
    }),
    price: f.decimal({ precision: 8, scale: 2 }),
    inPrint: f.boolean({ default: true }),
    status: f.enum({ choices: { draft: 'Draft', published: 'Published' }, default: 'draft' }),
    publishedOn: f.date({ optional: true }),
    releasedAt: f.datetime({ optional: true }),
    writer: f.belongsTo(() => Writer, { onDelete: 'cascade', optional: true }),
  },
  { ordering: ['title'] },
);

/** Notes: each staff user sees only their own (the collection's scope); only a superuser sees `secret` and sets `secret` and `pinned`. */
export const Memo = defineModel('memo', {
  owner: f.integer(),
  text: f.string({ max: 200 }),
  secret: f.string({ max: 200, default: '' }),
  pinned: f.boolean({ default: false }),
});

export const memos = defineCollection(Memo, {
  audit: true,
  permissions: { read: 'staff', write: 'staff' },
  readOnly: ['owner'],
  scope: (query, actor) => (actor.isSuperuser ? query : query.where({ owner: Number(actor.user?.id ?? 0) })),
  fieldAccess: {
    secret: { read: (actor) => actor.isSuperuser, write: (actor) => actor.isSuperuser },
    pinned: { write: (actor) => actor.isSuperuser },
  },
  hooks: {
    beforeCreate({ actor, data }) {
      data.owner = Number(actor.user?.id ?? 0);
    },
  },
});

export const adminApp = defineApp({
  name: 'library',
  models: [Writer, Book, Memo],
  modules: [
    // Many sign-ins from one test IP: the per-IP limit is raised, the per-account one (tested) kept.
    auth({ rateLimits: { ip: { max: 1000, window: '1m' } } }),
    audit({ default: true }),
    admin({
      title: 'Library admin',
      models: {
        book: {
          list: ['title', 'status', 'inPrint', 'pages', 'writerId'],
          search: ['title'],
          filters: ['status', 'inPrint', 'writerId'],
          perPage: 2,
        },
        memo: { collection: memos, list: ['id', 'text', 'secret'] },
      },
    }),
  ],
});
