import { createModel, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: [],
  operations: [
    // Create model permission
    createModel({
      name: 'permission',
      table: 'auth_permission',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        codename: { kind: 'string', unique: true, max: 100 },
        name: { kind: 'string', max: 255 },
        model: { kind: 'string', nullable: true, max: 100 },
      },
    }),
    // Create model group
    createModel({
      name: 'group',
      table: 'auth_group',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        name: { kind: 'string', unique: true, max: 150 },
      },
    }),
    // Create model auth_group_permissions
    createModel({
      name: 'auth_group_permissions',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        group: { kind: 'belongsTo', target: 'group', onDelete: 'cascade' },
        permission: { kind: 'belongsTo', target: 'permission', onDelete: 'cascade' },
      },
      indexes: [{ name: 'auth_group_permissions_permission_id_idx', fields: ['permission'] }],
      unique: [{ name: 'auth_group_permissions_uniq', fields: ['group', 'permission'] }],
    }),
    // Create model user
    createModel({
      name: 'user',
      table: 'auth_user',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        email: { kind: 'email', unique: true, max: 254 },
        password: { kind: 'string', default: '', max: 255 },
        firstName: { kind: 'string', default: '', max: 150 },
        lastName: { kind: 'string', default: '', max: 150 },
        isActive: { kind: 'boolean', default: true },
        isStaff: { kind: 'boolean', default: false },
        isSuperuser: { kind: 'boolean', default: false },
        lastLogin: { kind: 'datetime', nullable: true },
        dateJoined: { kind: 'datetime' },
      },
    }),
    // Create model auth_user_groups
    createModel({
      name: 'auth_user_groups',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        user: { kind: 'belongsTo', target: 'user', onDelete: 'cascade' },
        group: { kind: 'belongsTo', target: 'group', onDelete: 'cascade' },
      },
      indexes: [{ name: 'auth_user_groups_group_id_idx', fields: ['group'] }],
      unique: [{ name: 'auth_user_groups_uniq', fields: ['user', 'group'] }],
    }),
    // Create model auth_user_permissions
    createModel({
      name: 'auth_user_permissions',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        user: { kind: 'belongsTo', target: 'user', onDelete: 'cascade' },
        permission: { kind: 'belongsTo', target: 'permission', onDelete: 'cascade' },
      },
      indexes: [{ name: 'auth_user_permissions_permission_id_idx', fields: ['permission'] }],
      unique: [{ name: 'auth_user_permissions_uniq', fields: ['user', 'permission'] }],
    }),
    // Create model refreshToken
    createModel({
      name: 'refreshToken',
      table: 'auth_refresh_token',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        hash: { kind: 'string', unique: true, max: 64 },
        family: { kind: 'string', index: true, max: 64 },
        user: { kind: 'belongsTo', index: true, target: 'user', onDelete: 'cascade' },
        expiresAt: { kind: 'datetime' },
        usedAt: { kind: 'datetime', nullable: true },
        revokedAt: { kind: 'datetime', nullable: true },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
    }),
    // Create model session
    createModel({
      name: 'session',
      table: 'auth_session',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        key: { kind: 'string', unique: true, max: 64 },
        user: { kind: 'belongsTo', nullable: true, index: true, target: 'user', onDelete: 'cascade' },
        data: { kind: 'json' },
        expiresAt: { kind: 'datetime', index: true },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
    }),
    // Create model oidcIdentity
    createModel({
      name: 'oidcIdentity',
      table: 'auth_oidc_identity',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        provider: { kind: 'string', max: 64 },
        subject: { kind: 'string', max: 255 },
        user: { kind: 'belongsTo', index: true, target: 'user', onDelete: 'cascade' },
        email: { kind: 'string', nullable: true, max: 254 },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
      unique: [{ name: 'auth_oidc_identity_provider_subject_uniq', fields: ['provider', 'subject'] }],
    }),
    // Create model basaltJob
    createModel({
      name: 'basaltJob',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        task: { kind: 'string', max: 200 },
        queue: { kind: 'string', max: 200 },
        state: { kind: 'string', max: 16 },
        input: { kind: 'json', nullable: true },
        result: { kind: 'json', nullable: true },
        priority: { kind: 'integer', default: 0 },
        rank: { kind: 'integer', default: 100 },
        attempts: { kind: 'integer', default: 0 },
        maxAttempts: { kind: 'integer', default: 1 },
        runAt: { kind: 'datetime' },
        lockedBy: { kind: 'string', nullable: true, max: 120 },
        lockedUntil: { kind: 'datetime', nullable: true },
        idempotencyKey: { kind: 'string', nullable: true, unique: true, max: 400 },
        error: { kind: 'text', nullable: true },
        stack: { kind: 'text', nullable: true },
        enqueuedAt: { kind: 'datetime' },
        startedAt: { kind: 'datetime', nullable: true },
        finishedAt: { kind: 'datetime', nullable: true },
        trace: { kind: 'text', nullable: true },
      },
      indexes: [
        { name: 'basalt_job_claim', fields: ['queue', 'rank', 'id'], where: "state = 'queued'" },
        { name: 'basalt_job_state_run_at', fields: ['state', 'runAt'] },
      ],
    }),
    // Create model basaltJobSchedule
    createModel({
      name: 'basaltJobSchedule',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        name: { kind: 'string', unique: true, max: 200 },
        lastTick: { kind: 'datetime' },
      },
    }),
    // Create model note
    createModel({
      name: 'note',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        title: { kind: 'string', max: 200 },
        body: { kind: 'text', default: '' },
        author: { kind: 'belongsTo', index: true, target: 'user', onDelete: 'cascade' },
        createdAt: { kind: 'datetime' },
        updatedAt: { kind: 'datetime' },
      },
      indexes: [{ name: 'note_created_at_id_idx', fields: ['createdAt', 'id'] }],
    }),
    // Create model basaltRateLimit
    createModel({
      name: 'basaltRateLimit',
      fields: {
        id: { kind: 'integer', primaryKey: true, autoIncrement: true },
        key: { kind: 'string', unique: true, max: 512 },
        count: { kind: 'bigInteger' },
        resetAt: { kind: 'bigInteger' },
      },
    }),
  ],
});
