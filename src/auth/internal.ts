// Names Basalt's own capabilities (the admin) need from auth. Not a package subpath: apps never import them.
export { type SessionLogin, sessionLoginOf } from './module.js';
// GraphQL over WebSocket checks a cookie-authenticated connection's Origin as sessions do.
export { OriginPolicy } from './sessions/index.js';
