import type { ModuleDefinition } from '../app/index.js';
import { sessionLoginOf } from '../auth/internal.js';
import { BasaltError } from '../core/index.js';
import { getSchedules } from '../jobs/internal.js';
import type { AdminSite } from './context.js';
import type { AdminOptions } from './options.js';
import { buildRegistry } from './registry.js';
import { adminRoutes } from './site.js';

const PREFIX = '/admin';
/** Two hours without using the admin sign the user out. */
const DEFAULT_SESSION_TIMEOUT = 7200;

/**
 * The admin site (Django's admin) at `/admin`: every model of the app, grouped by module, gets
 * a list page (search, filters, sortable columns, keyset pages), add and change forms, delete
 * with a confirmation and a history page from the audit log. Staff only, through the session
 * login; every read and write goes through the operation layer (`basalt/ops`) as the signed-in
 * user, so the model permissions and the collection's policy, validation and hooks apply.
 * List it after `auth()`.
 *
 * @example
 * defineApp({ name: 'shop', models, modules: [auth(), audit(), admin({ models: { book: { search: ['title'] } } })] });
 */
export function admin(options: AdminOptions = {}): ModuleDefinition {
  return {
    name: 'admin',
    setup(api) {
      const timeout = options.sessionTimeout;
      if (timeout !== undefined && timeout !== false && !(Number.isFinite(timeout) && timeout > 0))
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          `admin(): sessionTimeout must be a positive number of seconds or false, not ${String(timeout)}`,
        );
      let login: AdminSite['login'];
      try {
        login = sessionLoginOf({ config: api.config } as never);
      } catch {
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          'admin() needs auth() of basalt/auth, listed before it in the modules: the admin signs staff in with sessions',
        );
      }
      const site: AdminSite = {
        prefix: PREFIX,
        title: options.title,
        options,
        sessionTimeout: options.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT,
        login,
        registry: undefined,
        audited: false,
        schedules: [],
      };
      api.addRoutes(...adminRoutes(site));
      api.onStart((app) => {
        site.registry = buildRegistry(app, options);
        site.audited = app.modules.some((m) => m.name === 'audit');
        site.schedules = getSchedules(app);
      });
    },
  };
}
