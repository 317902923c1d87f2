export { type Check, type CheckLevel, type CheckMessage, formatCheckMessages, runChecks } from './checks.js';
export type { Command, CommandContext, CommandOption } from './command.js';
export {
  type ConfigSchema,
  type ConfigSource,
  CoreConfig,
  defineConfig,
  loadConfig,
  mergeConfigSchemas,
  resolveCoreDefaults,
} from './config.js';
export { readEnvFile } from './env-file.js';
export {
  AuthenticationError,
  BasaltError,
  type BasaltErrorOptions,
  ConflictError,
  defineErrorCodes,
  ERROR_CODES,
  type ErrorCatalogue,
  type ErrorCode,
  type FieldError,
  isBasaltError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from './errors.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
