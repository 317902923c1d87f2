export { type RunServerOptions, runServer } from './run-server.js';
