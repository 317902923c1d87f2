import { defineMigration, searchIndex } from 'basalt/db';

export default defineMigration({
  dependencies: ['0010_list_indexes'],
  operations: [
    // Create contains search index on author (name)
    searchIndex('author', { fields: ['name'], mode: 'contains' }),
    // Create contains search index on book (title, isbn)
    searchIndex('book', { fields: ['title', 'isbn'], mode: 'contains' }),
  ],
});
