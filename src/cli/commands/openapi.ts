import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { BuiltinCommand } from '../cli-context.js';
import { stringValue } from '../option-values.js';

/** `basalt openapi`: writes the OpenAPI 3.1 document. */
export const openapiCommand: BuiltinCommand = {
  name: 'openapi',
  summary: 'Write the OpenAPI 3.1 document of the app (JSON)',
  description: 'Commit the file to review API changes, or feed it to a client generator.',
  options: {
    out: {
      type: 'string',
      short: 'o',
      description: 'Output file; - for standard output',
      default: 'openapi.json',
    },
  },
  async run(context) {
    const out = stringValue(context.values, 'out') ?? 'openapi.json';
    const app = await context.loadApp();
    const document = app.openapi();
    const json = `${JSON.stringify(document, null, 2)}\n`;
    if (out === '-') {
      context.stdout.write(json);
      return 0;
    }
    const path = resolve(context.cwd, out);
    writeFileSync(path, json);
    const count = Object.keys(document.paths).length;
    context.stdout.write(
      `Wrote ${relative(context.cwd, path) || path} (${count} path${count === 1 ? '' : 's'}).\n`,
    );
    return 0;
  },
};
