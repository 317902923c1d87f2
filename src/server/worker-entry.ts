// The entry point of a server worker process (cluster worker or `basalt dev` child).
import { runWorker } from './worker.js';

await runWorker();
