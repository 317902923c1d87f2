import { defineModel, f } from '../db/index.js';

/**
 * One recorded write (`basalt_audit_entry`). Registered by `audit()`, so the app's
 * `makemigrations` creates the table with the app's own ones, as `auth()` and `jobs()` do.
 * The actor is stored as its kind, id and label, not as a foreign key: deleting a user
 * keeps their history.
 */
export const AuditEntry = defineModel(
  'basaltAuditEntry',
  {
    /** create, update or delete. */
    action: f.string({ max: 16 }),
    /** The model's name (`order`). */
    model: f.string({ max: 200 }),
    /** The written object's primary key, as text (integer and uuid keys alike). */
    objectId: f.string({ max: 200 }),
    /** user, anonymous or system. */
    actorKind: f.string({ max: 16 }),
    actorId: f.string({ max: 200, optional: true }),
    /** The user's email or username when the actor had one (shown by a history page). */
    actorLabel: f.string({ max: 200, optional: true }),
    /** `{ field: [before, after] }` of the changed fields, JSON-safe; sensitive values are redacted. */
    changes: f.json(),
    at: f.datetime(),
  },
  {
    table: 'basalt_audit_entry',
    indexes: [
      { fields: ['model', 'objectId', 'id'], name: 'basalt_audit_entry_object' },
      { fields: ['actorKind', 'actorId', 'id'], name: 'basalt_audit_entry_actor' },
    ],
  },
);
