import type { DatabaseCommand } from './command-app.js';
import { dataCommands } from './data/commands.js';
import { migrationCommands } from './migrations/commands.js';

/**
 * The data layer as an app module: the migration commands (`makemigrations`, `migrate`,
 * `showmigrations`, `sqlmigrate`) and the data commands (`dumpdata`, `loaddata`, `dbshell`;
 * `basalt shell` is the CLI's). `createApp` includes it in every app, so an app manages its schema whether or
 * not it declares models yet.
 */
export const databaseModule: { readonly name: 'db'; readonly commands: readonly DatabaseCommand[] } = {
  name: 'db',
  commands: [...migrationCommands, ...dataCommands],
};
