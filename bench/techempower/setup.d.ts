/** The schema every implementation reads. */
export declare const SCHEMA: string;
/** Connections per implementation's pool. */
export declare const POOL_SIZE: number;
/** Rows in World. */
export declare const WORLD_ROWS: number;
/** The bench's PostgreSQL server. */
export declare const BASE_URL: string;
/** BASE_URL with the bench schema on the search path. */
export declare const DATABASE_URL: string;
/** The Fortune table's rows, as the specification lists them. */
export declare const FORTUNES: readonly { id: number; message: string }[];
/** Whether something accepts TCP connections at the URL's host and port. */
export declare function postgresAnswers(url?: string): Promise<boolean>;
/** Starts the local Debian cluster when PostgreSQL does not answer; throws with instructions otherwise. */
export declare function ensurePostgres(url?: string): Promise<void>;
/** Creates and seeds the World and Fortune tables unless they already hold the right rows. */
export declare function prepareDatabase(url?: string): Promise<void>;
