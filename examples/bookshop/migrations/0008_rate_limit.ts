import { createModel, defineMigration } from 'basalt/db';

export default defineMigration({
  dependencies: ['0007_job_claim_queued'],
  operations: [
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
