import { defineConfig } from '../../core/index.js';
import { t } from '../../http/index.js';

/** The settings browser sessions read from the environment (merged into `auth()`'s config). */
export const SessionConfig = defineConfig({
  SESSION_COOKIE_NAME: t.String({
    pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$",
    default: 'basalt_session',
    description: 'Name of the session cookie',
  }),
  SESSION_COOKIE_AGE: t.Integer({
    minimum: 60,
    default: 1_209_600,
    description: 'Session lifetime from its last write, seconds (14 days); the cookie Max-Age',
  }),
  CSRF_TRUSTED_ORIGINS: t.Array(t.String(), {
    default: [],
    description:
      'Comma-separated origins (https://app.example.com, https://*.example.com) allowed to send unsafe requests besides the API host',
  }),
});

/** Session settings resolved from the app's config (defaults until the schema is merged). */
export interface SessionSettings {
  cookieName: string;
  cookieAge: number;
  secure: boolean;
  trustedOrigins: readonly string[];
  secret: string;
  redisUrl: string | undefined;
}

/** Reads the session settings from a loaded config, falling back to the schema's defaults. */
export function sessionSettings(config: Readonly<Record<string, unknown>>): SessionSettings {
  const origins = config.CSRF_TRUSTED_ORIGINS;
  return {
    cookieName:
      typeof config.SESSION_COOKIE_NAME === 'string' ? config.SESSION_COOKIE_NAME : 'basalt_session',
    cookieAge: typeof config.SESSION_COOKIE_AGE === 'number' ? config.SESSION_COOKIE_AGE : 1_209_600,
    secure: config.NODE_ENV === 'production',
    trustedOrigins: Array.isArray(origins) ? origins.map(String) : [],
    secret: String(config.SECRET_KEY),
    redisUrl: typeof config.REDIS_URL === 'string' && config.REDIS_URL !== '' ? config.REDIS_URL : undefined,
  };
}
