import type { Suite } from './suite.js';

export declare const graphqlSuite: Suite;
