/** `GET /json` → `{"message":"Hello, World!"}`; throws a VerificationError otherwise. */
export declare function checkJson(baseUrl: string): Promise<void>;
/** `GET /plaintext` → `Hello, World!`, text/plain. */
export declare function checkPlaintext(baseUrl: string): Promise<void>;
/** `GET /db` → one World object. */
export declare function checkDb(baseUrl: string): Promise<void>;
/** `GET /queries?queries=N` → N World objects, N clamped to 1..500. */
export declare function checkQueries(baseUrl: string): Promise<void>;
/** `GET /fortunes` → the fortunes page, sorted and escaped. */
export declare function checkFortunes(baseUrl: string): Promise<void>;
/** `GET /updates?queries=N` → N worlds, N clamped to 1..500. */
export declare function checkUpdateCounts(baseUrl: string): Promise<void>;
/** `GET /updates?queries=20` writes the numbers it answers (nothing else may write World meanwhile). */
export declare function checkUpdatesWritten(baseUrl: string): Promise<void>;
/** `GET /updates?queries=N` → N updated worlds, written to the table. */
export declare function checkUpdates(baseUrl: string): Promise<void>;
/** The `queries` cases checked and the count each must answer. */
export declare const QUERY_CASES: readonly [string, number][];
/** The fortunes page the specification requires. */
export declare function expectedFortunesHtml(): string;
/** Every check by test type. */
export declare const checks: Record<
  'json' | 'plaintext' | 'db' | 'queries' | 'fortunes' | 'updates',
  (baseUrl: string) => Promise<void>
>;
/** Runs every check; throws the first failure. */
export declare function verifyImplementation(baseUrl: string): Promise<void>;
