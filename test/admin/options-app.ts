// An app for the admin's options and bulk tools: relations that cascade, unlink and protect,
// a computed column, fieldsets, a widget and a page override, a custom action.
import { Type } from '@sinclair/typebox';
import { BasaltError, defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { audit, defineCollection } from 'basalt/ops';
import { escapeHtml, trustedHtml } from 'basalt/views';

export const Shelf = defineModel('shelf', { name: f.string({ max: 100 }) }, { pluralLabel: 'Shelves' });

export const Volume = defineModel(
  'volume',
  {
    title: f.string({ max: 200 }),
    code: f.string({ max: 40, default: '' }),
    releasedOn: f.date({ optional: true }),
    scannedAt: f.datetime({ optional: true }),
    kind: f.enum({ choices: { book: 'Book', map: 'Map' }, default: 'book' }),
    shelf: f.belongsTo(() => Shelf, { onDelete: 'cascade', optional: true }),
    notes: f.hasMany('note', { foreignKey: 'volume' }),
  },
  { ordering: ['id'] },
);

/** Notes of a volume: deleted with it (two levels down from a shelf). */
export const Note = defineModel('note', {
  text: f.string({
    max: 200,
    validators: [(v) => (v.includes('forbidden') ? 'No forbidden notes' : undefined)],
  }),
  page: f.integer({ default: 1 }),
  volume: f.belongsTo(() => Volume, { onDelete: 'cascade' }),
});

/** Tags stay when their shelf goes, with the link emptied. */
export const Tag = defineModel('tag', {
  name: f.string({ max: 50 }),
  shelf: f.belongsTo(() => Shelf, { onDelete: 'setNull', optional: true }),
});

/** A lock protects its shelf from being deleted. */
export const Lock = defineModel('lock', {
  name: f.string({ max: 50 }),
  shelf: f.belongsTo(() => Shelf, { onDelete: 'protect' }),
});

export const volumes = defineCollection(Volume, {
  computed: { loud: { schema: Type.String(), get: (row) => row.title.toUpperCase() } },
});

export const optionsApp = defineApp({
  name: 'stacks',
  models: [Shelf, Volume, Note, Tag, Lock],
  modules: [
    auth({ rateLimits: { ip: { max: 1000, window: '1m' } } }),
    audit({ default: true }),
    admin({
      models: {
        volume: {
          collection: volumes,
          list: ['title', 'shelf', 'releasedOn', 'loud', 'code'],
          search: ['title'],
          inlines: [{ relation: 'notes', fields: ['text', 'page'], perPage: 3, extra: 1 }],
          filters: ['releasedOn', 'scannedAt', 'shelfId', 'kind'],
          fieldsets: [
            { fields: ['title', 'shelf'] },
            { title: 'Dates', description: 'When it came out', fields: ['releasedOn', 'scannedAt'] },
          ],
          widgets: {
            title: (props) =>
              trustedHtml(
                `<input type="text" class="big-title" id="${props.id}" name="${props.name}" value="${escapeHtml(props.value)}">`,
              ),
          },
          pages: {
            history: ({ content }) =>
              trustedHtml(`<p class="custom-note">Kept for ten years.</p>${content.toString()}`),
          },
          actions: [
            {
              name: 'shout',
              label: 'Upper-case the titles',
              async run(ids, { db }) {
                for (const id of ids) {
                  const row = await db.get(Volume, id as number);
                  await db.update(Volume, id as number, { title: row.title.toUpperCase() });
                }
                return `Shouted ${ids.length} title(s).`;
              },
            },
            {
              name: 'refuse',
              label: 'Always refused',
              permission: 'delete',
              run() {
                throw new BasaltError('BASALT_VALIDATION_FAILED', 'These volumes cannot be refused today');
              },
            },
          ],
        },
      },
    }),
  ],
});
