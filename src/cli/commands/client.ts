import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { BuiltinCommand } from '../cli-context.js';
import { generateClient, type OpenApiDocument } from '../client/generate-client.js';
import { stringValue } from '../option-values.js';
import { UsageError } from '../usage-error.js';

/** `basalt client`: writes a typed TypeScript client for the app's API. */
export const clientCommand: BuiltinCommand = {
  name: 'client',
  summary: "Write a typed TypeScript client for the app's API (one file, no dependencies)",
  description:
    "Generates the client from the app's OpenAPI document: a type per schema, every path with\n" +
    'its params, query, headers, body and answers, and createClient({ baseUrl, fetch?, headers? }).\n' +
    "Use it from a front end or another service: await api.get('/api/books/{id}', { params: { id: 1 } }).\n" +
    'Run it again after the API changes (and commit the file to review API changes).',
  options: {
    out: {
      type: 'string',
      short: 'o',
      description: 'Output file (.ts); - for standard output',
      default: 'api-client.ts',
    },
  },
  async run(context) {
    const out = stringValue(context.values, 'out') ?? 'api-client.ts';
    if (out !== '-' && !/\.(c|m)?ts$/.test(out))
      throw new UsageError(`--out must name a TypeScript file (.ts, .mts or .cts), not '${out}'`);
    const app = await context.loadApp();
    const source = generateClient(app.openapi() as unknown as OpenApiDocument);
    if (out === '-') {
      context.stdout.write(source);
      return 0;
    }
    const path = resolve(context.cwd, out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, source);
    const count = Object.keys(app.openapi().paths).length;
    context.stdout.write(
      `Wrote ${relative(context.cwd, path) || path} (${count} path${count === 1 ? '' : 's'}).\n`,
    );
    return 0;
  },
};
