import { User } from 'basalt/auth';
import { defineModel, f, type Infer } from 'basalt/db';

/** A note written by a user. After changing a model, run `npm run makemigrations`. */
export const Note = defineModel(
  'note',
  {
    title: f.string({ max: 200 }),
    body: f.text({ default: '' }),
    author: f.belongsTo(() => User, { onDelete: 'cascade' }),
  },
  { ordering: ['-createdAt'], timestamps: true },
);

export type Note = Infer<typeof Note>;
