import type { Executor } from '../../../db/index.js';

/** What a store keeps of one session (keyed by the SHA-256 of its id). */
export interface SessionRecord {
  /** The signed-in user's id, or null for an anonymous session. */
  userId: number | string | null;
  data: Record<string, unknown>;
  expiresAt: Date;
}

/**
 * Where sessions live: the database (default) or Redis. `db` is the request's executor;
 * a store that does not use the database ignores it.
 */
export interface SessionBackend {
  /** The session with this hash, or null (expired sessions may be returned: the caller checks). */
  load(db: Executor, hash: string): Promise<SessionRecord | null>;
  /** Creates or replaces a session. */
  save(db: Executor, hash: string, record: SessionRecord): Promise<void>;
  /**
   * Reads and deletes a record in one step: of two concurrent calls for the same hash, at most
   * one gets the record (single-use values such as a login's state).
   */
  take(db: Executor, hash: string): Promise<SessionRecord | null>;
  /** Deletes a session (no error when it is gone). */
  delete(db: Executor, hash: string, userId: SessionRecord['userId']): Promise<void>;
  /** Deletes every session of a user. */
  deleteAllFor(db: Executor, userId: number | string): Promise<void>;
  close(): Promise<void>;
}
