import type { AppCommand } from 'basalt';
import { type AuthService, Group, getAuth } from 'basalt/auth';
import type { Database } from 'basalt/db';
import { Author, Book, Customer, Tag } from './models.js';

/** What members of the `staff` group may do: manage the catalogue. */
export const STAFF_PERMISSIONS = ['book', 'author'].flatMap((model) =>
  ['view', 'add', 'change', 'delete'].map((action) => `${action}_${model}`),
);

/**
 * Makes sure the `staff` group exists and holds {@link STAFF_PERMISSIONS}; returns its id.
 * Nobody is put in it here: add staff users with the admin or `getAuth(app)`.
 */
export async function seedStaffGroup(db: Database, auth: AuthService): Promise<number> {
  return db.transaction(async (tx) => {
    const group =
      (await tx.query(Group).where({ name: 'staff' }).first()) ?? (await tx.create(Group, { name: 'staff' }));
    await auth.grantPermissions(tx, { group: group.id }, STAFF_PERMISSIONS);
    return group.id;
  });
}

/**
 * Fills an empty bookshop database with a small catalogue (does nothing when books exist)
 * and, given the app's auth service, the `staff` group. Returns the number of books added.
 * No user is seeded: an account with a password everyone can read is a way in.
 */
export async function seed(db: Database, auth?: AuthService): Promise<number> {
  if (auth) await seedStaffGroup(db, auth);
  if (await db.query(Book).exists()) return 0;
  return db.transaction(async (tx) => {
    await tx.createMany(Tag, [{ name: 'fantasy' }, { name: 'science-fiction' }]);
    const leGuin = await tx.create(Author, { name: 'Ursula K. Le Guin' });
    const herbert = await tx.create(Author, { name: 'Frank Herbert' });
    const jemisin = await tx.create(Author, { name: 'N. K. Jemisin' });
    const books = await tx.createMany(Book, [
      {
        title: 'A Wizard of Earthsea',
        isbn: '9780547773742',
        price: '9.99',
        authorId: leGuin.id,
        publishedOn: '1968-09-01',
      },
      {
        title: 'The Left Hand of Darkness',
        isbn: '9780441478125',
        price: '12.50',
        authorId: leGuin.id,
        publishedOn: '1969-03-01',
      },
      {
        title: 'The Dispossessed',
        isbn: '9780061054884',
        price: '11.00',
        authorId: leGuin.id,
        publishedOn: '1974-05-01',
      },
      {
        title: 'Dune',
        isbn: '9780441172719',
        price: '14.99',
        authorId: herbert.id,
        publishedOn: '1965-08-01',
      },
      {
        title: 'The Fifth Season',
        isbn: '9780316229296',
        price: '13.49',
        authorId: jemisin.id,
        publishedOn: '2015-08-04',
      },
    ]);
    await tx.create(Customer, { name: 'Ada Lovelace', email: 'ada@example.com' });
    return books.length;
  });
}

/** `basalt seed`: the bookshop's sample data. */
export const seedCommand: AppCommand = {
  name: 'seed',
  summary: 'Fill an empty bookshop database with sample data',
  async run({ loadApp, stdout }) {
    const app = await loadApp();
    const count = await seed(app.db!, getAuth(app));
    stdout.write(
      count > 0 ? `Seeded ${count} books.\n` : 'The catalogue already has books; nothing seeded.\n',
    );
    stdout.write("The 'staff' group manages books and authors; add staff users to it.\n");
    await app.stop();
    return 0;
  },
};
