import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CheckMessage, ConfigSchema, CoreConfig, Logger } from '../core/index.js';
import type { Database } from '../db/index.js';
import type { AnyEndpoint, OpenApiDocument } from '../http/index.js';
import type { Mailer } from '../mail/index.js';
import type { AppDefinition } from './define-app.js';
import type { AppCommand, ModuleDefinition } from './define-module.js';

/** The address a listening app is bound to. */
export interface ListenAddress {
  host: string;
  port: number;
  url: string;
}

/** Resolved settings: the core ones plus the app's and its modules'. */
export type AppConfig<C extends ConfigSchema | undefined = undefined> = CoreConfig &
  (C extends ConfigSchema ? Static<C> : Record<string, unknown>);

/** A created app: configuration, logger, compiled routes, lifecycle. */
export interface BasaltApp<
  R extends readonly AnyEndpoint[] = readonly AnyEndpoint[],
  C extends ConfigSchema | undefined = ConfigSchema | undefined,
> {
  readonly definition: AppDefinition<R, C>;
  readonly config: AppConfig<C>;
  readonly log: Logger;
  /** The app's database, opened from DATABASE_URL when the app or a module declares models. */
  readonly db: Database | undefined;
  /** The app's mail (MAIL_URL, MAIL_FROM); `sendMail({ mail: app.mail, db }, message)` from a task. */
  readonly mail: Mailer;
  /** The underlying Fastify instance — an escape hatch for plugins Basalt does not wrap. */
  readonly fastify: FastifyInstance;
  /** Every mounted endpoint, the app's and its modules'. */
  readonly routes: readonly AnyEndpoint[];
  readonly modules: readonly ModuleDefinition[];
  readonly commands: readonly AppCommand[];
  /** The OpenAPI 3.1 document of the app's endpoints. */
  openapi(): OpenApiDocument;
  /** Runs the start-up checks; `deploy` also runs those that need live services. */
  check(options?: { deploy?: boolean }): Promise<CheckMessage[]>;
  /** Runs checks (refusing to start on errors) and start hooks. Listening is separate. */
  start(): Promise<void>;
  /** Starts (if needed) and listens; port 0 picks a free port. */
  listen(options?: { port?: number; host?: string }): Promise<ListenAddress>;
  /** Stops accepting connections, lets in-flight requests finish, runs stop hooks. */
  stop(): Promise<void>;
}

declare module '../http/context.js' {
  interface RequestContextExtensions {
    /** The app's database (present when the app declares models). */
    db: Database;
    /** The app's mail: `sendMail(ctx, message)` sends after the request's transaction commits. */
    mail: Mailer;
  }
}
