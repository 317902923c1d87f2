// The public API of basalt/admin: explicit named exports only.
export { admin } from './module.js';
export type { AdminOptions, ModelAdminOptions } from './options.js';
