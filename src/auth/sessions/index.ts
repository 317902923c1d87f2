export type { SessionBackend, SessionRecord } from './backends/backend.js';
export { SessionConfig, type SessionSettings, sessionSettings } from './config.js';
export { CSRF_HEADER, OriginPolicy } from './csrf.js';
export {
  CsrfError,
  SESSION_ERROR_CODES,
  type SessionErrorCode,
  SessionRequiredError,
} from './errors.js';
export type { Session } from './request-session.js';
export type { SessionLoginLimits } from './routes.js';
export { createSessionAuth, type SessionAuth, type SessionAuthOptions } from './session-auth.js';
export type { AuthenticatedContext } from './session-manager.js';
