import type { BuiltinCommand } from '../cli-context.js';
import { buildCommand } from './build.js';
import { checkCommand } from './check.js';
import { clientCommand } from './client.js';
import { devCommand } from './dev.js';
import { newCommand } from './new.js';
import { openapiCommand } from './openapi.js';
import { routesCommand } from './routes.js';
import { shellCommand } from './shell.js';
import { startCommand } from './start.js';

/** The commands Basalt ships, in the order `basalt --help` lists them. */
export const BUILTIN_COMMANDS: readonly BuiltinCommand[] = [
  newCommand,
  startCommand,
  buildCommand,
  devCommand,
  routesCommand,
  openapiCommand,
  clientCommand,
  checkCommand,
  shellCommand,
];
