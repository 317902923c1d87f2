import { buildApp } from '../build-app.js';
import type { BuiltinCommand } from '../cli-context.js';
import { basaltVersion } from '../version.js';

/** `basalt build`: compiles the app's TypeScript to JavaScript for production. */
export const buildCommand: BuiltinCommand = {
  name: 'build',
  summary: 'Compile the app (models, migrations, commands) to JavaScript in dist/ for production',
  description:
    'Every .ts file of the project outside node_modules, dot folders and tests is compiled to\n' +
    'JavaScript in dist/ with the same layout (no bundling, types are not checked: run tsc for\n' +
    'that). `basalt start`, `basalt worker` and `basalt migrate` then run dist/ on plain node.',
  options: {},
  async run(context) {
    const result = await buildApp({ root: context.cwd, basaltVersion: basaltVersion() });
    context.stdout.write(
      `Compiled ${result.files} file${result.files === 1 ? '' : 's'} to ${result.outDir} in ${Math.round(result.ms)} ms\n`,
    );
    return 0;
  },
};
