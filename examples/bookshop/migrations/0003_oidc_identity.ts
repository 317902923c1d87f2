import { createModel, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0002_auth'],
  operations: [
    // Create model oidcIdentity
    createModel({
      name: 'oidcIdentity',
      table: 'auth_oidc_identity',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        provider: { kind: 'string', max: 64 },
        subject: { kind: 'string', max: 255 },
        user: { kind: 'belongsTo', target: 'user', onDelete: 'cascade' },
        email: { kind: 'string', nullable: true, max: 254 },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
      unique: [{ name: 'auth_oidc_identity_provider_subject_uniq', fields: ['provider', 'subject'] }],
    }),
  ],
});
