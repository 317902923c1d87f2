import { createModel, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0004_order_invoice'],
  operations: [
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
      },
      indexes: [
        { name: 'basalt_job_claim', fields: ['queue', 'state', 'rank'] },
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
  ],
});
