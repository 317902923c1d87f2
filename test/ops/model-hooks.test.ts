import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, defineModel, f } from 'basalt/db';
import { defineCollection, operations, system, userActor } from 'basalt/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Model hooks see who a write is for when it goes through the operation layer (the actor,
// `system` for system writes) and nobody for a write made directly on the database — on
// the direct path, in transactions, and for the children of a nested write.

const seen: string[] = [];
const who = (actor: { kind: string; user: { id: unknown } | null } | undefined) =>
  actor ? `${actor.kind}${actor.user ? `:${String(actor.user.id)}` : ''}` : 'none';

const Note = defineModel(
  'note',
  {
    text: f.string({ max: 100 }),
    tasks: f.hasMany('noteTask', { foreignKey: 'note' }),
  },
  {
    hooks: {
      beforeSave({ operation, actor }) {
        seen.push(`note ${operation} ${who(actor)}`);
      },
      beforeDelete({ actor }) {
        seen.push(`note delete ${who(actor)}`);
      },
    },
  },
);
const NoteTask = defineModel(
  'noteTask',
  { note: f.belongsTo(() => Note, { onDelete: 'cascade' }), title: f.string({ max: 100 }) },
  {
    hooks: {
      beforeSave({ operation, actor }) {
        seen.push(`task ${operation} ${who(actor)}`);
      },
    },
  },
);

// No collection hooks: writes take the direct path (no transaction).
const plain = defineCollection(Note, { permissions: { read: 'anyone', write: 'authenticated' } });
// Collection hooks and nested children: writes run in a transaction.
const withTasks = defineCollection(Note, {
  permissions: { read: 'anyone', write: 'authenticated' },
  nested: { tasks: { model: NoteTask, fields: ['title'] } },
  hooks: {
    async afterCreate({ db, object }) {
      // A write a collection hook makes is made for the same actor.
      await db.update(Note, object.id, { text: `${object.text}!` });
    },
  },
});

const alice = userActor({ id: 7, isActive: true });

const cases = [
  { name: 'SQLite', postgres: false },
  ...(hasPostgres ? [{ name: 'PostgreSQL', postgres: true }] : []),
];

describe.each(cases)('model hooks and the actor on $name', ({ postgres }) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres ? createDatabase({ url: POSTGRES_URL, models: [] }) : null;
  let db: Database;

  beforeAll(async () => {
    if (admin) await admin.kysely.schema.createSchema(schema).execute();
    db = postgres
      ? createDatabase({ url: POSTGRES_URL, models: [Note, NoteTask], searchPath: schema, poolSize: 2 })
      : createDatabase({ url: 'sqlite::memory:', models: [Note, NoteTask] });
    await db.createTables();
  });
  afterAll(async () => {
    await db.close();
    if (admin) {
      await admin.kysely.schema.dropSchema(schema).cascade().execute();
      await admin.close();
    }
  });

  it('hands the actor to model hooks on the direct path', async () => {
    seen.length = 0;
    const ops = operations(db);
    const note = await ops.create(alice, plain, { text: 'a' });
    await ops.update(alice, plain, note.id, { text: 'b' });
    await ops.delete(alice, plain, note.id);
    expect(seen).toEqual(['note create user:7', 'note update user:7', 'note delete user:7']);
  });

  it('hands it to the parent, the children and what a collection hook writes, in the transaction', async () => {
    seen.length = 0;
    const note = await operations(db).create(alice, withTasks, { text: 'c', tasks: [{ title: 't1' }] });
    expect(seen).toEqual(['note create user:7', 'task create user:7', 'note update user:7']);
    expect((await db.get(Note, note.id as number)).text).toBe('c!');
  });

  it('hands the system actor to system writes, and nobody to writes made on the database', async () => {
    seen.length = 0;
    const note = await operations(db).create(system, plain, { text: 'd' });
    await db.update(Note, note.id as number, { text: 'e' });
    await db.transaction((tx) => tx.create(Note, { text: 'f' }));
    expect(seen).toEqual(['note create system', 'note update none', 'note create none']);
  });
});
