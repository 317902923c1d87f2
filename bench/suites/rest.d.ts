import type { Suite } from './suite.js';

export declare const restList: Suite;
export declare const restRetrieve: Suite;
export declare const restCreate: Suite;
