import { addIndex, defineMigration, removeIndex } from 'basalt/db';

export default defineMigration({
  dependencies: ['0005_jobs'],
  operations: [
    // Remove index basalt_job_claim from basaltJob
    removeIndex('basaltJob', 'basalt_job_claim'),
    // Create index basalt_job_claim on basaltJob (queue, state, rank, id)
    addIndex('basaltJob', { name: 'basalt_job_claim', fields: ['queue', 'state', 'rank', 'id'] }),
  ],
});
