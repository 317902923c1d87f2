// The public API of basalt/admin: explicit named exports only.
export { admin } from './module.js';
export type {
  AdminAction,
  AdminActionContext,
  AdminFieldset,
  AdminInlineOptions,
  AdminOptions,
  AdminPage,
  AdminPageProps,
  AdminWidget,
  AdminWidgetProps,
  ModelAdminOptions,
} from './options.js';
