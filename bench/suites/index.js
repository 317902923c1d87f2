// Every benchmark suite, by name. A new suite (database, TechEmpower types) is one file here.
import { http } from './http.js';

/** @type {Record<string, import('./suite.js').Suite>} */
export const suites = { http };
