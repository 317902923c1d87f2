import { addField, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0003_oidc_identity'],
  operations: [
    // Add field invoice to order
    addField('order', 'invoice', { kind: 'file', nullable: true }),
  ],
});
