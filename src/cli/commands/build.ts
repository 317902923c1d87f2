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
    'that). `basalt start`, `basalt worker` and `basalt migrate` then run dist/ on plain node.\n' +
    'The static/ folder is copied to dist/static/ with content-hashed names and a manifest,\n' +
    "which pages' view.asset('app.css') reads; the hashed files are served as immutable.\n" +
    'In CSS files, url(img/logo.png) naming a static file points to its hashed name.',
  options: {},
  async run(context) {
    const result = await buildApp({ root: context.cwd, basaltVersion: basaltVersion() });
    context.stdout.write(
      `Compiled ${result.files} file${result.files === 1 ? '' : 's'} to ${result.outDir} in ${Math.round(result.ms)} ms\n`,
    );
    if (result.staticFiles > 0)
      context.stdout.write(
        `Copied ${result.staticFiles} static file${result.staticFiles === 1 ? '' : 's'} with hashed names to ${result.outDir}/static\n`,
      );
    for (const warning of result.staticWarnings) context.stderr.write(`Warning: ${warning}\n`);
    return 0;
  },
};
