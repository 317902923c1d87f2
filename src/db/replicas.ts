import { CompiledQuery } from 'kysely';
import { unavailableService } from '../internal/service-errors.js';
import type { DbContext } from './context.js';

/**
 * What one request (or one unit of work) has done to the primary, deciding where its reads
 * may go: nowhere but the primary once it wrote, and to a replica only when the replica has
 * replayed the primary's WAL past the position the client's last write reached (`minLsn`,
 * carried between requests in a cookie).
 */
export interface ReadSession {
  /** Set by the first write: the rest of this session reads from the primary. */
  pinned: boolean;
  /** The primary's WAL position after the client's last write, from the cookie. */
  minLsn: bigint | null;
  /** Told the primary's WAL position after a write of this session (to set the cookie). */
  wrote?: (lsn: string) => void;
}

/** Options of a replica set. */
export interface ReplicaSetOptions {
  /** How often each replica's replay position is read, ms (default 500). */
  checkIntervalMs?: number;
  /** How long a replica that failed a connection is left out, ms (default 5000). */
  retryAfterMs?: number;
}

interface Replica {
  readonly ctx: DbContext;
  /** The last replay position read from it (0 until the first check answers). */
  lsn: bigint;
  /** Left out until this time (ms since epoch) after a connection failure. */
  downUntil: number;
  /** False while the server says it is not in recovery (a promoted or misconfigured "replica"). */
  replaying: boolean;
}

/** `16/B374D848` → a comparable number. */
export function parseLsn(text: string): bigint | null {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  return m ? (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`) : null;
}

const REPLAY_LSN = CompiledQuery.raw('select pg_last_wal_replay_lsn()::text as lsn', []);
const CURRENT_LSN = CompiledQuery.raw('select pg_current_wal_lsn()::text as lsn', []);

function run(ctx: DbContext, query: CompiledQuery) {
  return ctx.direct ? ctx.direct(query.sql, query.parameters) : ctx.kysely.executeQuery(query);
}

/**
 * The read replicas of a PostgreSQL primary (DATABASE_REPLICA_URLS), like Django's database
 * routers with one rule: reads outside a transaction, by a session that has not written,
 * go round-robin to a replica that is up and has replayed the client's last write; every
 * other statement goes to the primary. A replica whose connection fails is left out for a
 * while and the read runs on the primary instead, so a dead replica costs no request.
 */
export class ReplicaSet {
  readonly #replicas: Replica[];
  readonly #checkMs: number;
  readonly #retryMs: number;
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(contexts: readonly DbContext[], options: ReplicaSetOptions = {}) {
    this.#replicas = contexts.map((ctx) => ({ ctx, lsn: 0n, downUntil: 0, replaying: true }));
    this.#checkMs = options.checkIntervalMs ?? 500;
    this.#retryMs = options.retryAfterMs ?? 5000;
  }

  /** How many replicas there are. */
  get size(): number {
    return this.#replicas.length;
  }

  /**
   * Runs a read: on a replica when `ctx` may read from one, on `ctx` (the primary) otherwise
   * or when the replica's connection fails.
   */
  read<T>(ctx: DbContext, runOn: (target: DbContext) => Promise<T>): Promise<T> {
    const session = ctx.session;
    if (ctx.scope !== null || session?.pinned) return runOn(ctx);
    const replica = this.#pick(session?.minLsn ?? null);
    if (replica === undefined) return runOn(ctx);
    return runOn(replica.ctx).catch((error: unknown) => {
      if (unavailableService(error) === undefined) throw error;
      replica.downUntil = Date.now() + this.#retryMs;
      return runOn(ctx);
    });
  }

  /** The primary's WAL position now: what a replica must have replayed to show a write just made. */
  async primaryLsn(primary: DbContext): Promise<string> {
    const result = await run(primary, CURRENT_LSN);
    return String((result.rows[0] as { lsn: string }).lsn);
  }

  #pick(minLsn: bigint | null): Replica | undefined {
    this.#watch();
    const now = Date.now();
    const count = this.#replicas.length;
    for (let i = 0; i < count; i++) {
      const replica = this.#replicas[(this.#next + i) % count]!;
      if (replica.downUntil > now || !replica.replaying) continue;
      if (minLsn !== null && replica.lsn < minLsn) continue;
      this.#next = (this.#next + i + 1) % count;
      return replica;
    }
    return undefined;
  }

  /** Starts reading the replicas' replay positions (once, on the first read; never keeps the process up). */
  #watch(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.check(), this.#checkMs);
    this.#timer.unref();
    void this.check();
  }

  /** Reads every replica's replay position now; a replica that does not answer is left out for a while. */
  async check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      await Promise.all(
        this.#replicas.map(async (replica) => {
          try {
            const result = await run(replica.ctx, REPLAY_LSN);
            const lsn = parseLsn(String((result.rows[0] as { lsn: unknown } | undefined)?.lsn ?? ''));
            // A server that is not in recovery answers null: it is no replica, never read from it.
            replica.replaying = lsn !== null;
            if (lsn !== null) replica.lsn = lsn;
          } catch {
            replica.downUntil = Date.now() + this.#retryMs;
          }
        }),
      );
    } finally {
      this.#checking = false;
    }
  }

  /** Stops the checks and closes every replica's pool. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all(this.#replicas.map((r) => (r.ctx.close ? r.ctx.close() : r.ctx.kysely.destroy())));
  }
}
