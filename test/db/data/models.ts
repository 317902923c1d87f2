import { defineModel, f } from '../../../src/db/index.js';

export const Writer = defineModel('writer', {
  name: f.string({ max: 120 }),
  bio: f.text({ optional: true }),
});

export const Label = defineModel('label', { name: f.slug({ max: 40, unique: true }) });

export const Category = defineModel('category', {
  name: f.string({ max: 60 }),
  parent: f.belongsTo('category', { onDelete: 'cascade', optional: true }),
});

export const Volume = defineModel(
  'volume',
  {
    title: f.string({ max: 200 }),
    price: f.decimal({ precision: 8, scale: 2 }),
    publishedOn: f.date({ optional: true }),
    releasedAt: f.datetime({ optional: true }),
    inPrint: f.boolean({ default: true }),
    rating: f.float({ optional: true }),
    extra: f.json({ optional: true }),
    writer: f.belongsTo(() => Writer, { onDelete: 'cascade' }),
    category: f.belongsTo(() => Category, { onDelete: 'cascade', optional: true }),
    labels: f.manyToMany(() => Label),
  },
  { timestamps: true },
);

export const Note = defineModel(
  'note',
  {
    body: f.text(),
    volume: f.belongsTo(() => Volume, { onDelete: 'cascade', optional: true }),
    reply: f.belongsTo('note', { onDelete: 'setNull', optional: true }),
  },
  { primaryKey: 'uuid' },
);
export const models = [Writer, Label, Category, Volume, Note] as const;
