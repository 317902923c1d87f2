import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, defineModel, f, sql } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Publisher } from './fixtures/models.js';

const Student = defineModel('student', {
  name: f.string(),
  // The join model points back at Student, so it is named rather than given by thunk (no type cycle).
  courses: f.manyToMany(() => Course, { through: 'enrolment' }),
});
const Course = defineModel('course', { title: f.string() });
const Enrolment = defineModel(
  'enrolment',
  {
    student: f.belongsTo(() => Student),
    course: f.belongsTo(() => Course),
    grade: f.string({ max: 2, optional: true }),
  },
  { unique: [['student', 'course']] },
);
const relationModels = [Student, Course, Enrolment, Publisher] as const;

describe.each(dialects)('relations on $name', (dialect) => {
  let db: Database<(typeof relationModels)[number]>;
  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(relationModels);
  });
  afterAll(async () => {
    await db?.close();
  });

  it.skipIf(dialect.skip)('links many-to-many rows through a join model', async () => {
    expect(Student.meta.fields.courses?.relation?.through).toEqual({
      model: 'enrolment',
      table: 'enrolment',
      sourceColumn: 'student_id',
      targetColumn: 'course_id',
    });
    const [math, art] = await db.createMany(Course, [{ title: 'Math' }, { title: 'Art' }]);
    const ann = await db.create(Student, { name: 'Ann', courses: [math!.id, art!.id] });
    await db.create(Student, { name: 'Bob', courses: [art!.id] });
    const rows = await db.query(Student).orderBy('name').include('courses').all();
    expect(rows.map((s) => [s.name, s.courses.map((c) => c.title)])).toEqual([
      ['Ann', ['Math', 'Art']],
      ['Bob', ['Art']],
    ]);
    const mathStudents = await db
      .query(Student)
      .where({ courses: { title: 'Math' } })
      .all();
    expect(mathStudents.map((s) => s.name)).toEqual(['Ann']);
    await db.update(Student, ann.id, { courses: [art!.id] });
    expect(
      (await db.query(Student).where({ id: ann.id }).include('courses').first())?.courses.map((c) => c.title),
    ).toEqual(['Art']);
    await expect(db.create(Enrolment, { studentId: ann.id, courseId: art!.id })).rejects.toMatchObject({
      code: 'BASALT_DB_UNIQUE_VIOLATION',
      fields: ['studentId', 'courseId'],
    });
  });

  it.skipIf(dialect.skip)(
    'follows a self reference by name with UUID keys, setting NULL on delete',
    async () => {
      const parent = await db.create(Publisher, { name: 'Parent' });
      const child = await db.create(Publisher, { name: 'Child', parentId: parent.id });
      const loaded = await db
        .query(Publisher)
        .where({ parent: { name: 'Parent' } })
        .include('parent')
        .all();
      expect(loaded.map((p) => [p.name, (p.parent as { name: string } | null)?.name])).toEqual([
        ['Child', 'Parent'],
      ]);
      await db.delete(Publisher, parent.id);
      expect((await db.get(Publisher, child.id)).parentId).toBeNull();
    },
  );

  it.skipIf(dialect.skip)('rejects a relation filter that is not an object', async () => {
    await expect(
      db
        .query(Publisher)
        .where({ parent: 3 } as never)
        .all(),
    ).rejects.toMatchObject({ code: 'BASALT_DB_INVALID_QUERY' });
  });
});

describe('SQLite files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a file in WAL mode with foreign keys and a busy timeout, creating its folder', async () => {
    const db = createDatabase({ url: `sqlite:${join(dir, 'nested', 'app.db')}`, models: [Course] });
    await db.createTables();
    await db.create(Course, { title: 'Persisted' });
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    await db.close();
    const again = createDatabase({ url: `sqlite:${join(dir, 'nested', 'app.db')}`, models: [Course] });
    expect(await again.query(Course).count()).toBe(1);
    await again.dropTables();
    await again.close();
  });

  it('refuses an unsupported URL with a typed error', () => {
    expect(() => createDatabase({ url: 'mysql://localhost/db', models: [] })).toThrow(
      expect.objectContaining({ code: 'BASALT_DB_UNSUPPORTED_URL' }),
    );
  });
});
