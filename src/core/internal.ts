// The parts of core that load nothing else (no TypeBox, no pino), for the CLI's start-up path:
// `basalt --help` must not pay for the configuration schemas. Not a package subpath (see
// "Public and internal names" in docs/architecture.md).
export { formatCheckMessages } from './checks.js';
export { readEnvFile } from './env-file.js';
export { BasaltError, isBasaltError } from './errors.js';
