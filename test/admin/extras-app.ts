// An admin app offered in English and Spanish, whose users have a language setting; a list
// counted exactly only up to 3 rows (estimated counts); posters with an image (uploads);
// shelves with a set of tags (many-to-many pickers).
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth, defineUserModel } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { audit } from 'basalt/ops';
import { storage } from 'basalt/storage';
import { views } from 'basalt/views';

export const LocaleUser = defineUserModel({ locale: f.string({ max: 10, default: '' }) });

export const Title = defineModel(
  'title',
  {
    name: f.string({ max: 200 }),
    copies: f.integer({ default: 0 }),
    inPrint: f.boolean({ default: true }),
    publishedOn: f.date({ optional: true }),
  },
  { ordering: ['name'] },
);

/** Readings: the admin counts them exactly only up to 3 (`exactCountLimit`), as if the table were huge. */
export const Reading = defineModel('reading', { value: f.integer() }, { ordering: ['value'] });

/** Posters: an image (sniffed: only images are taken, at most 100 KB). */
export const Poster = defineModel('poster', {
  title: f.string({ max: 100 }),
  image: f.file({ accept: ['image/*'], maxSize: 100_000, optional: true }),
});

/** Tags, and shelves holding a set of them (many-to-many). */
export const Tag = defineModel('tag', { name: f.string({ max: 60 }) }, { ordering: ['name'] });
export const Shelf = defineModel('shelf', {
  name: f.string({ max: 60 }),
  tags: f.manyToMany(() => Tag),
});

export const extrasApp = defineApp({
  name: 'shelf',
  models: [Title, Reading, Poster, Tag, Shelf],
  modules: [
    auth({ userModel: LocaleUser, rateLimits: { ip: { max: 1000, window: '1m' } } }),
    views({ languages: { locales: ['en', 'es'] } }),
    storage(),
    audit({ default: true }),
    admin({
      models: {
        title: { list: ['name', 'copies', 'inPrint', 'publishedOn'], filters: ['inPrint'] },
        reading: { list: ['id', 'value'], perPage: 2, exactCountLimit: 3 },
      },
    }),
  ],
});
