import { createModel, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0008_rate_limit'],
  operations: [
    // Create model basaltAuditEntry
    createModel({
      name: 'basaltAuditEntry',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        action: { kind: 'string', max: 16 },
        model: { kind: 'string', max: 200 },
        objectId: { kind: 'string', max: 200 },
        actorKind: { kind: 'string', max: 16 },
        actorId: { kind: 'string', nullable: true, max: 200 },
        actorLabel: { kind: 'string', nullable: true, max: 200 },
        changes: { kind: 'json' },
        at: { kind: 'datetime' },
      },
      indexes: [
        { name: 'basalt_audit_entry_object', fields: ['model', 'objectId', 'id'] },
        { name: 'basalt_audit_entry_actor', fields: ['actorKind', 'actorId', 'id'] },
      ],
    }),
  ],
});
