import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AppDefinition } from '../app/index.js';
import { BasaltError } from '../core/internal.js';
import { importAppModule } from '../internal/typescript-loader.js';

/**
 * Imports an app file and returns its default export, which must be a `defineApp()` result.
 *
 * @example
 * const definition = await importAppDefinition('/srv/shop/src/app.ts');
 */
export async function importAppDefinition(file: string): Promise<AppDefinition> {
  if (!existsSync(file)) {
    throw new BasaltError('BASALT_APP_NOT_FOUND', `The app file ${file} does not exist.`);
  }
  // The app layer is imported with the app, so the CLI's own start-up stays light.
  const { isAppDefinition } = await import('../app/index.js');
  const module = await importAppModule<{ default?: unknown }>(pathToFileURL(file), file);
  if (!isAppDefinition(module.default)) {
    const got = module.default === undefined ? 'no default export' : `a default export that is not an app`;
    throw new BasaltError(
      'BASALT_APP_NOT_FOUND',
      `${file} has ${got}.\n  Fix: end the file with \`export default defineApp({ ... })\` (defineApp from 'basalt').`,
    );
  }
  return module.default;
}
