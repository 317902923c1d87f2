import type { Command } from '../core/index.js';
import type { Database } from './database.js';

/**
 * What the db's commands need of a created app. `db` sits below `app`, so its commands are
 * typed against this shape rather than `BasaltApp`, which satisfies it.
 */
export interface DatabaseCommandApp {
  readonly definition: { readonly migrations?: string | URL };
  readonly config: { readonly DATABASE_URL: string };
  /** The app's modules, whose `models` the migration commands compare with the history. */
  readonly modules: readonly { readonly models?: readonly unknown[] }[];
  /** The app's database, opened when the app or a module declares models. */
  readonly db: Database | undefined;
  stop(): Promise<void>;
}

/** A `basalt` command of the data layer. */
export type DatabaseCommand = Command<DatabaseCommandApp>;
