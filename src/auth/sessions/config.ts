import { defineConfig } from '../../core/index.js';
import { t } from '../../http/index.js';

/** The settings browser sessions read from the environment (merged into `auth()`'s config). */
export const SessionConfig = defineConfig({
  SESSION_COOKIE_NAME: t.String({
    pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$",
    default: 'basalt_session',
    description:
      'Name of the session cookie; in production it is sent as __Host-<name> (Secure, Path=/, no Domain)',
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
  /** The name the cookie is set and read under (see {@link sessionCookieName}). */
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
  const secure = config.NODE_ENV === 'production';
  const configured =
    typeof config.SESSION_COOKIE_NAME === 'string' ? config.SESSION_COOKIE_NAME : 'basalt_session';
  return {
    cookieName: sessionCookieName(configured, secure),
    cookieAge: typeof config.SESSION_COOKIE_AGE === 'number' ? config.SESSION_COOKIE_AGE : 1_209_600,
    secure,
    trustedOrigins: Array.isArray(origins) ? origins.map(String) : [],
    secret: String(config.SECRET_KEY),
    redisUrl: typeof config.REDIS_URL === 'string' && config.REDIS_URL !== '' ? config.REDIS_URL : undefined,
  };
}

const PREFIX = /^__(Host|Secure)-/i;

/**
 * The name the session cookie is set and read under. A Secure cookie (production) gets the
 * `__Host-` prefix: a browser then accepts it only with Secure, Path=/ and no Domain, sent
 * from an HTTPS origin, so neither a sibling subdomain nor a plain-HTTP page can plant or
 * overwrite it (session fixation, cookie tossing). A name configured with a prefix keeps it.
 * Over plain HTTP (development) a prefixed cookie would be refused by the browser, so the
 * prefix is dropped there.
 */
export function sessionCookieName(configured: string, secure: boolean): string {
  if (!secure) return configured.replace(PREFIX, '') || configured;
  return PREFIX.test(configured) ? configured : `__Host-${configured}`;
}
