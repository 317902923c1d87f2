import type { CheckMessage } from '../core/index.js';
import type { BasaltApp } from './basalt-app.js';
import type { AppCheck } from './define-module.js';

/** The production risks `basalt check --deploy` reports (Django's `check --deploy`); ids in docs/reference/checks.md. */
function production(app: BasaltApp): boolean {
  return app.config.NODE_ENV === 'production';
}

function consoleMail(app: BasaltApp): boolean {
  const url = app.config.MAIL_URL;
  return url === undefined || url.startsWith('console:');
}

function hasPasswordReset(app: BasaltApp): boolean {
  return app.routes.some((route) => route.method === 'POST' && route.path.endsWith('/password/reset'));
}

const MAIL_MESSAGE =
  'Password reset is on but mail goes to the console backend: reset mail is never delivered (and its body is not logged).';
const MAIL_HINT = 'Set MAIL_URL=smtp://user:pass@smtp.example.com:587 (see docs/mail.md).';

/** Findings for a production configuration; empty outside production. */
export const deployChecks: readonly AppCheck[] = [
  {
    name: 'mail.backend',
    run(app) {
      if (!production(app) || !consoleMail(app) || !hasPasswordReset(app)) return [];
      return [{ id: 'mail.W001', level: 'warning', message: MAIL_MESSAGE, hint: MAIL_HINT }];
    },
  },
  {
    name: 'mail.backend-deploy',
    deploy: true,
    run(app) {
      if (!production(app) || !consoleMail(app) || !hasPasswordReset(app)) return [];
      return [{ id: 'mail.E001', level: 'error', message: MAIL_MESSAGE, hint: MAIL_HINT }];
    },
  },
  {
    name: 'http.hosts',
    run(app) {
      if (!production(app)) return [];
      const found: CheckMessage[] = [];
      if (app.config.ALLOWED_HOSTS.length === 0) {
        found.push({
          id: 'http.W003',
          level: 'warning',
          message: `ALLOWED_HOSTS is empty: only ${app.config.PUBLIC_URL ? "PUBLIC_URL's host and " : ''}localhost, 127.0.0.1 and [::1] are answered; other hosts get 400.`,
          hint: 'Set ALLOWED_HOSTS=api.example.com (comma-separated; .example.com for subdomains).',
        });
      }
      if (app.config.ALLOWED_HOSTS.includes('*')) {
        found.push({
          id: 'http.W004',
          level: 'warning',
          message: 'ALLOWED_HOSTS is *: any Host header is accepted and may be reflected into absolute URLs.',
          hint: 'List your host names, or set PUBLIC_URL so absolute URLs never come from the request.',
        });
      }
      if (app.config.PUBLIC_URL?.startsWith('http://')) {
        found.push({
          id: 'http.W005',
          level: 'warning',
          message: 'PUBLIC_URL is http://: browsers ignore HSTS and cookies travel in clear.',
          hint: 'Serve the app over https (TLS at the proxy) and set PUBLIC_URL=https://…',
        });
      }
      return found;
    },
  },
  {
    name: 'core.debug',
    run(app) {
      const level = app.config.LOG_LEVEL;
      if (!production(app) || (level !== 'debug' && level !== 'trace')) return [];
      return [
        {
          id: 'core.W002',
          level: 'warning',
          message: `LOG_LEVEL is ${level} in production: queries, request data and headers may be logged.`,
          hint: 'Use LOG_LEVEL=info (the production default).',
        },
      ];
    },
  },
  {
    name: 'db.sqlite-workers',
    run(app) {
      if (!production(app) || !app.config.DATABASE_URL.startsWith('sqlite:') || app.config.WORKERS < 2)
        return [];
      return [
        {
          id: 'db.W002',
          level: 'warning',
          message: `SQLite with ${app.config.WORKERS} workers: every write locks the whole file, and on a network filesystem (NFS, SMB, some container volumes) SQLite's locks are unreliable and the file can be corrupted.`,
          hint: 'Keep the file on a local disk, or use PostgreSQL (DATABASE_URL=postgres://…).',
        },
      ];
    },
  },
  {
    name: 'http.rate-limit-store',
    run(app) {
      const memory =
        app.config.RATE_LIMIT_STORE === 'memory' ||
        (app.config.RATE_LIMIT_STORE === undefined &&
          !app.config.REDIS_URL &&
          (app.db === undefined || app.config.DATABASE_URL.startsWith('sqlite::memory:')));
      if (!production(app) || !memory || app.config.WORKERS < 2) return [];
      return [
        {
          id: 'http.W006',
          level: 'warning',
          message: `Rate-limit counters are kept in memory by each of ${app.config.WORKERS} workers: a limit of N lets up to ${app.config.WORKERS}×N requests through.`,
          hint: 'Set REDIS_URL to share the counters between workers, or run one worker.',
        },
      ];
    },
  },
];
