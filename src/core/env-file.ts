import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** Reads a `.env` file into a plain object; a missing file is an empty object. */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseEnv(text) as Record<string, string>;
}
