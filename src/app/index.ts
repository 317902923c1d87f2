export { appCommands } from './app-commands.js';
export type { AppConfig, BasaltApp, ListenAddress } from './basalt-app.js';
export { type CreateAppOptions, createApp } from './create-app.js';
export { type AppDefinition, type AppOptions, defineApp, isAppDefinition } from './define-app.js';
export {
  type AppCheck,
  type AppCommand,
  defineCheck,
  defineModule,
  type ModuleDefinition,
  type ModuleSetupApi,
} from './define-module.js';
export { RateLimitModel } from './rate-limit-model.js';
