import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file a worker process runs: `.ts` when Basalt runs from source (through tsx), `.js` from dist. */
export function workerEntryPath(): string {
  const own = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./worker-entry${extname(own)}`, import.meta.url));
}
