import type { AnyModel } from '../db/index.js';
import type { AppCheck } from './define-module.js';

/** Checks every app gets. Ids are stable and listed in docs/reference/checks.md. */
export const builtinChecks: readonly AppCheck[] = [
  {
    name: 'core.secret-key',
    run(app) {
      const key = app.config.SECRET_KEY;
      if (app.config.NODE_ENV !== 'production') return [];
      if (new Set(key).size < 8) {
        return [
          {
            id: 'core.E001',
            level: 'error',
            message: 'SECRET_KEY has fewer than 8 distinct characters; it is guessable.',
            hint: "Generate one with: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\"",
          },
        ];
      }
      return [];
    },
  },
  {
    name: 'http.cors',
    run(app) {
      if (app.config.NODE_ENV === 'production' && app.config.CORS_ORIGINS.includes('*')) {
        return [
          {
            id: 'http.W001',
            level: 'warning',
            message: 'CORS_ORIGINS is * in production: any website can call this API from a browser.',
            hint: 'List the origins of your front-ends, comma-separated.',
          },
        ];
      }
      return [];
    },
  },
  {
    name: 'http.routes',
    run(app) {
      return app.routes
        .filter((route) => route.method === 'GET' && route.spec.body !== undefined)
        .map((route) => ({
          id: 'http.W002',
          level: 'warning' as const,
          message: `GET ${route.path} declares a body; clients and proxies may drop it.`,
          hint: 'Use query parameters, or make it a POST.',
        }));
    },
  },
  {
    name: 'db.sqlite-decimals',
    run(app) {
      if (!app.config.DATABASE_URL.startsWith('sqlite:')) return [];
      const models = app.modules.flatMap((m) => (m.models ?? []) as AnyModel[]);
      return models.flatMap((model) =>
        Object.values(model.meta.fields)
          .filter((field) => field.kind === 'decimal' && (field.precision ?? 0) > 15)
          .map((field) => ({
            id: 'db.W001',
            level: 'warning' as const,
            message: `${model.meta.name}.${field.name} has precision ${field.precision}; SQLite keeps decimals exact only up to 15 significant digits.`,
            hint: 'Use PostgreSQL (NUMERIC is exact at any precision) or lower the precision.',
          })),
      );
    },
  },
  {
    name: 'http.docs',
    run(app) {
      if (app.config.NODE_ENV === 'production' && app.config.DOCS) {
        return [
          {
            id: 'http.I001',
            level: 'info',
            message: 'The API docs (/docs, /openapi.json) are served in production.',
            hint: 'Set DOCS=false to hide them if the API is private.',
          },
        ];
      }
      return [];
    },
  },
];
