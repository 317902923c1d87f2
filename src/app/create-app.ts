import type { DestinationStream } from 'pino';
import {
  BasaltError,
  type CheckMessage,
  type ConfigSchema,
  type ConfigSource,
  CoreConfig,
  createLogger,
  formatCheckMessages,
  type Logger,
  loadConfig,
  mergeConfigSchemas,
  resolveCoreDefaults,
  runChecks,
} from '../core/index.js';
import { type AnyModel, createDatabase, type Database, sql } from '../db/index.js';
import { databaseModule } from '../db/internal.js';
import {
  type AnyEndpoint,
  type Authentication,
  type ContextProvider,
  createDatabaseRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type OpenApiDocument,
  type RateLimitStore,
  type RequestHook,
  type RequestWrapper,
} from '../http/index.js';
import {
  buildHttpServer,
  buildOpenApiDocument,
  registerDocsRoutes,
  securityHeaders,
} from '../http/internal.js';
import { redisProbe } from '../internal/redis-probe.js';
import { requestDatabase } from '../internal/request-database.js';
import {
  consoleMailBackend,
  createMailer,
  type MailBackend,
  mailBackendFromUrl,
  outboxMailBackend,
} from '../mail/index.js';
import type { AppConfig, BasaltApp, ListenAddress } from './basalt-app.js';
import { builtinChecks } from './builtin-checks.js';
import type { AppDefinition } from './define-app.js';
import {
  type AppCheck,
  type AppCommand,
  flattenModules,
  type ModuleDefinition,
  type ModuleSetupApi,
} from './define-module.js';
import { deployChecks } from './deploy-checks.js';
import { healthRoutes, type ReadinessProbe } from './health.js';
import { RateLimitModel } from './rate-limit-model.js';
import { readYourWrites } from './read-your-writes.js';

/** How an app is created: where configuration comes from and where logs go. */
export interface CreateAppOptions extends ConfigSource {
  /** A ready logger, or a destination stream for the default one (tests capture logs this way). */
  logger?: Logger | { destination: DestinationStream };
}

type Hook = (app: BasaltApp) => void | Promise<void>;

/**
 * Creates an app from its definition: reads and validates configuration, runs module
 * setup, builds and compiles every route. Call `listen()` to serve it.
 *
 * @example
 * const app = await createApp(bookshop);
 * await app.listen({ port: 3000 });
 */
export async function createApp<R extends readonly AnyEndpoint[], C extends ConfigSchema | undefined>(
  definition: AppDefinition<R, C>,
  options: CreateAppOptions = {},
): Promise<BasaltApp<R, C>> {
  // The data layer's module comes first: every app can manage its schema, models or not.
  const declared = flattenModules([databaseModule, definition]);
  // An app with a database gets the rate-limit table in its migrations (the database store's).
  const modules = declared.some((m) => (m.models?.length ?? 0) > 0)
    ? [...declared, rateLimitModule]
    : declared;
  const schema = mergeConfigSchemas([CoreConfig, ...modules.flatMap((m) => (m.config ? [m.config] : []))]);
  const config = loadConfig(schema, options) as Record<string, unknown>;
  resolveCoreDefaults(config);
  const typed = config as AppConfig<C>;
  const development = typed.NODE_ENV === 'development';

  const log =
    options.logger && 'info' in options.logger
      ? options.logger
      : createLogger({
          level: typed.LOG_LEVEL,
          pretty: development && process.stdout.isTTY,
          destination: options.logger?.destination,
        });

  const mail = createMailer(defaultMailBackend(typed, log), typed.MAIL_FROM);
  const routes: AnyEndpoint[] = [];
  const checks: AppCheck[] = [...builtinChecks, ...deployChecks];
  const commands: AppCommand[] = [];
  const providers: ContextProvider[] = [];
  const startHooks: Hook[] = [];
  const stopHooks: Hook[] = [];
  const probes: ReadinessProbe[] = [];
  const requestHooks = { onRequest: [] as RequestHook[], onResponse: [] as RequestHook[] };
  const requestWrappers: RequestWrapper[] = [];
  let authentication: Authentication | undefined;
  let limiter: Promise<RateLimitStore> | undefined;
  const rateLimitStore = () => {
    limiter ??= openRateLimitStore(typed, db);
    // A failed connection is retried on the next use rather than cached for ever; limits are
    // let through meanwhile, so the cause (a missing table: run migrate) is logged each time.
    limiter.catch((error: unknown) => {
      log.error({ err: error }, 'the rate-limit store cannot be opened; limits are not enforced');
      limiter = undefined;
    });
    return limiter;
  };
  const api: ModuleSetupApi = {
    config,
    log,
    addRoutes: (...added) => routes.push(...added),
    addChecks: (...added) => checks.push(...added),
    provideContext: (provider) => providers.push(provider),
    onStart: (hook) => startHooks.push(hook),
    onStop: (hook) => stopHooks.push(hook),
    addReadinessProbe: (name, probe) => probes.push({ name, probe }),
    addRequestHook: (phase, hook) => requestHooks[phase].push(hook),
    wrapRequests: (wrapper) => requestWrappers.push(wrapper),
    rateLimitStore,
    mail,
    useAuthentication: (installed) => {
      if (authentication)
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          'Two modules install an authentication; an app has one',
        );
      authentication = installed;
    },
  };
  for (const module of modules) {
    routes.push(...(module.routes ?? []));
    checks.push(...(module.checks ?? []));
    commands.push(...(module.commands ?? []));
    await module.setup?.(api);
  }

  // A model may come from two modules (a custom user model listed by the app and by auth()).
  const models = [...new Set(modules.flatMap((m) => (m.models ?? []) as AnyModel[]))];
  // An app without models never opens (or creates) a database file.
  const db = models.length > 0 ? openDatabase(typed, models, log) : undefined;
  if (db) {
    const routed = typed.DATABASE_REPLICA_URLS !== undefined && typed.DATABASE_REPLICA_URLS.trim() !== '';
    providers.unshift(
      routed
        ? (context) => {
            context.db =
              (requestDatabase(app) as Database | undefined) ?? readYourWrites(db, context, typed.NODE_ENV);
          }
        : (context) => {
            context.db = (requestDatabase(app) as Database | undefined) ?? db;
          },
    );
    probes.push({ name: 'database', probe: () => sql`select 1`.execute(db.kysely).then(() => undefined) });
    stopHooks.unshift(() => db.close());
  }

  if (typed.REDIS_URL) {
    // Whatever uses it (jobs, sessions, rate limits), a configured Redis is probed.
    const redis = redisProbe(typed.REDIS_URL, typed.SERVICE_TIMEOUT * 1000);
    probes.push({ name: 'redis', probe: () => redis.probe() });
    stopHooks.push(() => redis.close());
  }

  providers.unshift((context) => {
    context.mail = mail;
  });
  stopHooks.push(() => mail.backend.close?.());

  let stopping = false;
  const mounted = [...routes, ...healthRoutes(probes, () => stopping, typed.SERVICE_TIMEOUT * 1000)];
  const fastify = await buildHttpServer({
    routes: mounted,
    log,
    production: typed.NODE_ENV === 'production',
    development,
    bodyLimit: typed.BODY_LIMIT,
    timeouts: {
      headers: typed.HEADERS_TIMEOUT,
      request: typed.REQUEST_TIMEOUT,
      keepAlive: typed.KEEP_ALIVE_TIMEOUT,
    },
    trustProxy: typed.TRUST_PROXY,
    allowedHosts: typed.ALLOWED_HOSTS,
    publicUrl: typed.PUBLIC_URL,
    accessLog: typed.ACCESS_LOG,
    corsOrigins: typed.CORS_ORIGINS,
    contextProviders: providers,
    requestHooks,
    requestWrappers,
    authentication,
    rateLimitStore,
    defaultRateLimit: definition.rateLimit,
  });
  let document: OpenApiDocument | undefined;
  const openapi = () => {
    document ??= buildOpenApiDocument(routes, definition.info, {
      authentication,
      rateLimit: definition.rateLimit,
      corsOrigins: typed.CORS_ORIGINS,
      // The public origin when configured, else relative to where the document is served.
      servers: [
        {
          url: typed.PUBLIC_URL ?? '/',
          description: typed.NODE_ENV === 'development' ? 'local development' : typed.NODE_ENV,
          'x-internal': false,
        },
      ],
    });
    return document;
  };
  if (typed.DOCS)
    registerDocsRoutes(fastify, openapi(), securityHeaders({ production: typed.NODE_ENV === 'production' }));
  // Compiles every validator and serializer now, once, rather than on first request.
  await fastify.ready();

  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  const app: BasaltApp<R, C> = {
    definition,
    db,
    config: typed,
    log,
    mail,
    fastify,
    routes,
    modules,
    commands,
    openapi,
    check: async (checkOptions) =>
      withoutEscalated(await runChecks(checks, app as unknown as BasaltApp, checkOptions)),
    start() {
      started ??= (async () => {
        const messages: CheckMessage[] = await app.check();
        const errors = messages.filter((m) => m.level === 'error');
        for (const m of messages.filter((m) => m.level === 'warning'))
          log.warn({ check: m.id, hint: m.hint }, m.message);
        if (errors.length > 0) throw new BasaltError('BASALT_CHECK_FAILED', formatCheckMessages(errors));
        for (const hook of startHooks) await hook(app as unknown as BasaltApp);
      })();
      return started;
    },
    async listen(listenOptions = {}) {
      await app.start();
      const host = listenOptions.host ?? typed.HOST;
      await fastify.listen({ port: listenOptions.port ?? typed.PORT, host });
      const address = fastify.server.address();
      const port = typeof address === 'object' && address ? address.port : (listenOptions.port ?? typed.PORT);
      const shown = host.includes(':') ? `[${host}]` : host;
      const result: ListenAddress = { host, port, url: `http://${shown}:${port}` };
      log.info({ url: result.url }, 'listening');
      return result;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await fastify.close();
        for (const hook of [...stopHooks].reverse()) await hook(app as unknown as BasaltApp);
        if (limiter) await (await limiter.catch(() => undefined))?.close();
      })();
      return stopped;
    },
  };
  return app;
}

/** The module `createApp` adds to an app with a database: the rate-limit counters' table. */
const rateLimitModule: ModuleDefinition = { name: 'rateLimits', models: [RateLimitModel] };

function openDatabase(config: CoreConfig, models: AnyModel[], log: Logger): Database {
  const queryLog = log.isLevelEnabled('trace') ? log.child({ component: 'db' }) : undefined;
  const seconds = (value: number | undefined, name: string) =>
    value === undefined ? {} : { [name]: Math.round(value * 1000) };
  const replicaUrls = (config.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  return createDatabase({
    url: config.DATABASE_URL,
    models,
    transactionGuard: config.NODE_ENV !== 'production',
    connectTimeoutMs: config.SERVICE_TIMEOUT * 1000,
    ...(config.DATABASE_POOL_SIZE === undefined ? {} : { poolSize: config.DATABASE_POOL_SIZE }),
    ...seconds(config.DATABASE_STATEMENT_TIMEOUT, 'statementTimeoutMs'),
    ...seconds(config.DATABASE_IDLE_TIMEOUT, 'idleTimeoutMs'),
    ...(replicaUrls.length > 0 ? { replicaUrls } : {}),
    ...(queryLog
      ? {
          log: (event) =>
            queryLog.trace(
              { sql: event.query.sql, ms: event.queryDurationMillis, failed: event.level === 'error' },
              'query',
            ),
        }
      : {}),
  }) as unknown as Database;
}

function defaultMailBackend(config: CoreConfig, log: Logger): MailBackend {
  const production = config.NODE_ENV === 'production';
  if (config.MAIL_URL) return mailBackendFromUrl(config.MAIL_URL, { log, production });
  if (config.NODE_ENV === 'test') return outboxMailBackend();
  // Development: the log. Production without MAIL_URL: nothing is delivered and no body is
  // logged; `basalt check --deploy` reports it.
  return consoleMailBackend(log, { production });
}

/**
 * The rate-limit counters: RATE_LIMIT_STORE when set; else Redis when REDIS_URL is set; else a
 * table of the app's database, so that every worker shares them; memory in tests and for an
 * app without a database (or with one in memory).
 */
function openRateLimitStore(config: CoreConfig, db: Database | undefined): Promise<RateLimitStore> {
  const inMemoryDb = config.DATABASE_URL.startsWith('sqlite::memory:');
  const kind =
    config.RATE_LIMIT_STORE ??
    (config.REDIS_URL ? 'redis' : config.NODE_ENV !== 'test' && db && !inMemoryDb ? 'database' : 'memory');
  if (kind === 'redis') {
    if (!config.REDIS_URL)
      throw new BasaltError('BASALT_CONFIG_INVALID', 'RATE_LIMIT_STORE=redis needs REDIS_URL');
    return createRedisRateLimitStore({ url: config.REDIS_URL, timeoutMs: config.SERVICE_TIMEOUT * 1000 });
  }
  if (kind === 'database') {
    if (!db)
      throw new BasaltError(
        'BASALT_CONFIG_INVALID',
        'RATE_LIMIT_STORE=database needs an app with models (a database)',
      );
    // On SQLite the store gets a connection of its own: the app's single connection may be
    // held by a transaction that waits on a limit.
    if (config.DATABASE_URL.startsWith('sqlite:')) {
      const own = createDatabase({ url: config.DATABASE_URL, models: [] }) as unknown as Database;
      return createDatabaseRateLimitStore({ kysely: own.kysely as never, owned: true });
    }
    return createDatabaseRateLimitStore({ kysely: db.kysely as never });
  }
  return Promise.resolve(createMemoryRateLimitStore());
}

/**
 * Drops a warning that a stricter check (`--deploy`) reported again as an error with the same
 * message (`mail.W001` at start, `mail.E001` under `basalt check --deploy`).
 */
function withoutEscalated(messages: CheckMessage[]): CheckMessage[] {
  const errors = new Set(messages.filter((m) => m.level === 'error').map((m) => m.message));
  return messages.filter((m) => m.level === 'error' || !errors.has(m.message));
}
