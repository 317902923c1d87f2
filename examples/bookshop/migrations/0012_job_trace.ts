import { addField, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0011_search'],
  operations: [
    // Add field trace to basaltJob
    addField('basaltJob', 'trace', { kind: 'text', nullable: true }),
  ],
});
