import { databaseModule } from '../db/internal.js';
import type { AppDefinition } from './define-app.js';
import type { AppCommand } from './define-module.js';
import { flattenModules } from './define-module.js';

/**
 * The commands an app contributes (the data layer's and its modules'), read from the
 * definition alone: no configuration is loaded and no database opened, so `basalt --help`
 * stays cheap. `createApp` collects the same list.
 */
export function appCommands(definition: AppDefinition): AppCommand[] {
  return flattenModules([databaseModule, definition]).flatMap((module) => [...(module.commands ?? [])]);
}
