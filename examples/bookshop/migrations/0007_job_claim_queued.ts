import { addIndex, defineMigration, removeIndex } from 'basalt/db';

export default defineMigration({
  dependencies: ['0006_job_claim_index'],
  operations: [
    // Remove index basalt_job_claim from basaltJob
    removeIndex('basaltJob', 'basalt_job_claim'),
    // Create index basalt_job_claim on basaltJob (queue, rank, id) where state = 'queued'
    addIndex('basaltJob', {
      name: 'basalt_job_claim',
      fields: ['queue', 'rank', 'id'],
      where: "state = 'queued'",
    }),
  ],
});
