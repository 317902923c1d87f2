import type { AnyModel } from '../db/index.js';
import { characterEntropyBits, isKeyboardWalk, isRepetition } from '../internal/guessable.js';
import { indexFindings } from '../ops/internal.js';
import type { AppCheck } from './define-module.js';

const GENERATE_KEY =
  "Generate one with: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\"";

// Words of the placeholders that templates, tutorials and .env examples ship.
const PLACEHOLDER =
  /change.?me|change.?this|replace.?me|your.?secret|insecure|placeholder|not.?secret|s3cr3t/i;

/** Why a production SECRET_KEY is guessable, or undefined when it looks random. */
export function weakSecretKeyReason(key: string): string | undefined {
  if (PLACEHOLDER.test(key)) return 'looks like a placeholder';
  if (new Set(key).size < 8) return 'has fewer than 8 distinct characters';
  if (isRepetition(key, { maxUnit: 16 })) return 'repeats a short unit';
  if (isKeyboardWalk(key)) return 'is a keyboard walk or a sequence';
  // 32 random hex characters hold 128 bits and measure about 118; a sentence or a word list
  // measures far less.
  if (characterEntropyBits(key) < 80) return 'has low entropy';
  return undefined;
}

/** Checks every app gets. Ids are stable and listed in docs/reference/checks.md. */
export const builtinChecks: readonly AppCheck[] = [
  {
    name: 'core.secret-key',
    run(app) {
      const key = app.config.SECRET_KEY;
      if (app.config.NODE_ENV !== 'production') return [];
      const reason = weakSecretKeyReason(key);
      if (reason === undefined) return [];
      return [
        {
          id: 'core.E001',
          level: 'error',
          message: `SECRET_KEY ${reason}; it is guessable.`,
          hint: GENERATE_KEY,
        },
      ];
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
    // Lists whose ordering, filters or search no index serves (ids ops.W001–W003).
    name: 'ops.list-indexes',
    run(app) {
      return indexFindings(app.routes);
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
