import type { AnyModel } from '../db/index.js';
import { setAuditDefault } from './audit.js';
import { AuditEntry } from './audit-entry.js';

/** Options of {@link audit}. */
export interface AuditModuleOptions {
  /**
   * Record the writes of every collection that does not say `audit: false` (Django
   * auditlog's "include all models"). Default false: only collections with `audit` set.
   */
  default?: boolean;
}

/** The `audit()` module: an app module (by shape; `basalt/ops` sits below `basalt`'s app). */
export interface AuditModule {
  readonly name: 'audit';
  readonly models: readonly AnyModel[];
  setup(): void;
}

/**
 * The audit log as an app module: registers its table (`basalt_audit_entry`, created by the
 * app's `makemigrations`) and the app's default. Collections opt in with `audit: true`.
 *
 * @example
 * export default defineApp({ name: 'shop', modules: [auth(), audit()], routes: [...] });
 */
export function audit(options: AuditModuleOptions = {}): AuditModule {
  const enabled = options.default === true;
  return {
    name: 'audit',
    models: [AuditEntry],
    setup() {
      setAuditDefault(enabled);
    },
  };
}
