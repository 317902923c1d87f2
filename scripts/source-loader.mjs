// Runs Basalt from its TypeScript sources in this repository, inside the current process:
// tsx compiles .ts files, and a resolve hook adds the `basalt-source` export condition so that
// `import 'basalt'` (and every subpath) resolves to src/ instead of the unbuilt dist/.
// bin/basalt.js imports it in a checkout; workers are started with `--import` of this file.
// It is not part of the published package.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const marker = Symbol.for('basalt.sourceLoader');
if (!globalThis[marker]) {
  registerTsx();
  const hook = `export async function resolve(specifier, context, next) {
    if (context.conditions.includes('basalt-source')) return next(specifier, context);
    return next(specifier, { ...context, conditions: [...context.conditions, 'basalt-source'] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  globalThis[marker] = import.meta.url;
  // The TypeScript loader is in place: Basalt must not register a second one for the app.
  globalThis[Symbol.for('basalt.typescriptLoader')] = true;
}
