// Names Basalt's own capabilities (the admin) need from auth. Not a package subpath: apps never import them.
export { type SessionLogin, sessionLoginOf } from './module.js';
