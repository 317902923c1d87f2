import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Static, type TObject, type TProperties, type TSchema, Type as t } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readEnvFile } from './env-file.js';
import { BasaltError } from './errors.js';

/** The settings every Basalt app has. Each is read from the variable of the same name. */
export const CoreConfig = t.Object({
  NODE_ENV: t.Union([t.Literal('development'), t.Literal('production'), t.Literal('test')], {
    default: 'development',
    description: 'development, production or test',
  }),
  SECRET_KEY: t.Optional(
    t.String({ minLength: 32, description: 'Signs sessions and tokens; required in production' }),
  ),
  HOST: t.String({ default: '127.0.0.1', description: 'Interface to listen on' }),
  PORT: t.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  LOG_LEVEL: t.Optional(
    t.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => t.Literal(level)),
      { description: 'Log level; debug in development, info in production, silent in test' },
    ),
  ),
  ACCESS_LOG: t.Optional(t.Boolean({ description: 'Log one line per request; on in development' })),
  BODY_LIMIT: t.Integer({
    minimum: 1,
    default: 1_048_576,
    description: 'Largest accepted request body, in bytes',
  }),
  HEADERS_TIMEOUT: t.Number({
    minimum: 0.1,
    default: 10,
    description: 'Seconds a client has to send its request headers; then 408 and the connection closes',
  }),
  REQUEST_TIMEOUT: t.Number({
    minimum: 0,
    default: 30,
    description:
      'Seconds a client has to send its whole request, body included; then 408 and the connection closes (0: no limit)',
  }),
  KEEP_ALIVE_TIMEOUT: t.Number({
    minimum: 0.1,
    default: 5,
    description: 'Seconds an idle keep-alive connection stays open between requests',
  }),
  CORS_ORIGINS: t.Array(t.String(), {
    default: [],
    description: 'Comma-separated origins allowed by CORS; empty turns CORS off; * allows any',
  }),
  TRUST_PROXY: t.Union([t.Boolean(), t.Integer({ minimum: 1, maximum: 32 })], {
    default: false,
    description:
      'Trust X-Forwarded-* from the proxies in front: true (= 1) behind one proxy such as nginx, 2 behind a CDN and nginx; the client address is the one that many hops back, never one the client wrote itself',
  }),
  ALLOWED_HOSTS: t.Array(t.String(), {
    default: [],
    description:
      'Comma-separated host names requests may name (api.example.com, .example.com for subdomains, * for any); empty in production allows PUBLIC_URL and loopback only',
  }),
  PUBLIC_URL: t.Optional(
    t.String({
      pattern: '^https?://[^/?#]+(/[^?#]*)?$',
      description: 'The URL clients reach the app at (https://api.example.com); absolute links start with it',
    }),
  ),
  WORKERS: t.Integer({
    minimum: 1,
    default: availableParallelism(),
    description: 'Worker processes for basalt start',
  }),
  SHUTDOWN_TIMEOUT: t.Number({
    minimum: 0,
    default: 10,
    description: 'Seconds in-flight requests get to finish after SIGTERM',
  }),
  SERVICE_TIMEOUT: t.Number({
    minimum: 0.1,
    default: 5,
    description:
      'Seconds a request waits for the database or Redis before a 503; also the bound of each /health/ready probe',
  }),
  DATABASE_URL: t.String({
    default: 'sqlite:./data/app.db',
    description: 'sqlite:./path.db, sqlite::memory: or postgres://user@host:5432/name',
  }),
  DATABASE_POOL_SIZE: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: 10000,
      description: "PostgreSQL: connections per process (default 10, or the URL's pool_size)",
    }),
  ),
  DATABASE_STATEMENT_TIMEOUT: t.Optional(
    t.Number({
      minimum: 0,
      description: 'PostgreSQL: seconds a statement may run before the server cancels it (0: no limit)',
    }),
  ),
  DATABASE_IDLE_TIMEOUT: t.Optional(
    t.Number({
      minimum: 0,
      description: 'PostgreSQL: seconds an idle pooled connection is kept (default 10; 0 keeps it)',
    }),
  ),
  DATABASE_REPLICA_URLS: t.Optional(
    t.String({
      description:
        'PostgreSQL: read replicas, comma-separated postgres://… URLs; reads that are not in a transaction and not after a write of the same client go to them',
    }),
  ),
  REDIS_URL: t.Optional(
    t.String({
      description: 'redis://host:6379/0; when set, sessions and rate-limit counters live in Redis',
    }),
  ),
  DOCS: t.Optional(t.Boolean({ description: 'Serve /openapi.json and /docs; on unless production' })),
  RATE_LIMIT_STORE: t.Optional(
    t.Union([t.Literal('memory'), t.Literal('database'), t.Literal('redis')], {
      description:
        'Where rate-limit counters live: redis when REDIS_URL is set, else database (shared by every worker), memory in tests',
    }),
  ),
  MAIL_URL: t.Optional(
    t.String({
      description:
        'Where mail goes: smtp://user:pass@host:587, smtps://…:465, file:./data/mail, console: or memory:; console in development, memory in tests',
    }),
  ),
  MAIL_FROM: t.Optional(
    t.String({ description: 'The sender of mail that names none (Shop <shop@example.com>)' }),
  ),
});

/** The resolved core settings. */
export type CoreConfig = Static<typeof CoreConfig> & {
  SECRET_KEY: string;
  LOG_LEVEL: string;
  ACCESS_LOG: boolean;
  DOCS: boolean;
};

/** A configuration schema: a TypeBox object whose keys are environment variable names. */
export type ConfigSchema = TObject<TProperties>;

/**
 * Declares the settings an app or a module reads from the environment.
 *
 * @example
 * const config = defineConfig({ STRIPE_KEY: t.String(), FREE_SHIPPING_OVER: t.Number({ default: 50 }) });
 */
export function defineConfig<P extends TProperties>(properties: P): TObject<P> {
  return t.Object(properties);
}

/** Where configuration comes from when an app is created. */
export interface ConfigSource {
  /** Variables to read; defaults to `process.env`. They win over the `.env` file. */
  env?: Record<string, string | undefined>;
  /** Path of a `.env` file, or `false` for none; defaults to `.env` in the working directory. */
  envFile?: string | false;
  /** Values that win over both (already typed, e.g. from a test). */
  overrides?: Record<string, unknown>;
}

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i;

function convert(schema: TSchema, raw: string): unknown {
  const members = (schema as { anyOf?: TSchema[] }).anyOf;
  if (members) {
    // A union (TRUST_PROXY: a boolean or a count): the first member the text converts to.
    for (const member of members) {
      const value = convert(member, raw);
      if (Value.Check(member, value)) return value;
    }
    return raw;
  }
  const type = (schema as { type?: unknown }).type;
  if (type === 'array') return raw === '' ? [] : raw.split(',').map((part) => part.trim());
  if (type === 'boolean') {
    const lowered = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(lowered)) return false;
    return raw;
  }
  if (type === 'integer' || type === 'number') return raw.trim() === '' ? raw : Number(raw);
  return raw;
}

/** "Expected union value" says nothing: name what each member accepts. */
function unionMessage(schema: TSchema): string | undefined {
  const members = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!members) return undefined;
  const accepted = members.map((member) => {
    const { type, minimum, maximum } = member as { type?: string; minimum?: number; maximum?: number };
    if (type === 'boolean') return 'true or false';
    if (type === 'integer' && minimum !== undefined && maximum !== undefined)
      return `a whole number from ${minimum} to ${maximum}`;
    if (type === 'integer') return 'a whole number';
    return type ?? 'a value of another kind';
  });
  return `expected ${accepted.join(', or ')}`;
}

/**
 * Reads and validates configuration against one merged schema. Every bad or missing
 * variable is reported in one error, each on its own line.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, source: ConfigSource = {}): Static<S> {
  const env = source.env ?? process.env;
  const fileValues =
    source.envFile === false ? {} : readEnvFile(source.envFile ?? join(process.cwd(), '.env'));
  const raw: Record<string, unknown> = {};
  const given: Record<string, string> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = env[key] ?? fileValues[key];
    if (value === undefined) continue;
    given[key] = value;
    raw[key] = convert(property, value);
  }
  Object.assign(raw, source.overrides);
  const withDefaults = Value.Default(schema, raw) as Record<string, unknown>;
  const problems: string[] = [];
  for (const error of Value.Errors(schema, withDefaults)) {
    const key = error.path.split('/')[1] ?? '';
    // Values of secret-looking settings are never echoed: error messages end up in logs.
    const shown = !(key in given)
      ? ''
      : SECRET_NAME.test(key)
        ? ' (value hidden)'
        : ` (got ${JSON.stringify(given[key])})`;
    const message = error.value === undefined ? 'is required' : (unionMessage(error.schema) ?? error.message);
    problems.push(`${key}: ${message}${shown}`);
  }
  if (withDefaults.NODE_ENV === 'production' && !withDefaults.SECRET_KEY) {
    problems.push('SECRET_KEY: is required in production (at least 32 characters)');
  }
  if (problems.length > 0) {
    const unique = [...new Set(problems)];
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `Invalid configuration (${unique.length} problem${unique.length === 1 ? '' : 's'}):\n${unique.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return withDefaults as Static<S>;
}

/** Fills the core settings whose defaults depend on NODE_ENV. */
export function resolveCoreDefaults(config: Record<string, unknown>): void {
  const env = config.NODE_ENV as CoreConfig['NODE_ENV'];
  // A generated key is fine for development and tests; production refuses to start without one.
  config.SECRET_KEY ??= randomBytes(32).toString('base64url');
  config.LOG_LEVEL ??= env === 'production' ? 'info' : env === 'test' ? 'silent' : 'debug';
  config.ACCESS_LOG ??= env === 'development';
  config.DOCS ??= env !== 'production';
}

/** Merges several configuration schemas into one, refusing conflicting definitions. */
export function mergeConfigSchemas(schemas: ConfigSchema[]): ConfigSchema {
  const properties: TProperties = {};
  for (const schema of schemas) {
    for (const [key, property] of Object.entries(schema.properties)) {
      const existing = properties[key];
      if (existing && JSON.stringify(existing) !== JSON.stringify(property)) {
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          `Setting ${key} is declared twice with different schemas`,
        );
      }
      properties[key] = property;
    }
  }
  return t.Object(properties);
}
