import { type Database, sql } from '../../../db/index.js';
import { statementCacheOf } from '../../../db/internal.js';

/** Wakes idle workers when a job becomes runnable: in-process always, across processes with PostgreSQL LISTEN. */
export interface Notifier {
  /** Wakes this process's consumers of `queue` (at `at`, for a delayed job). */
  local(queue: string, at?: Date): void;
  /** Sends a NOTIFY for `queue` (PostgreSQL only). */
  notify(db: Database, queue: string): Promise<void>;
  /**
   * Whether an enqueue may NOTIFY inline now. NOTIFY serialises committing transactions in
   * PostgreSQL (a global lock), so a burst sends one per queue per window: the first inline,
   * the rest folded into one trailing NOTIFY (see {@link Notifier.trailing}).
   */
  inline(queue: string): boolean;
  /** Schedules one NOTIFY for `queue` at the end of the current window. */
  trailing(db: Database, queue: string): void;
  /**
   * Calls `wake(queue, due)` for every local or NOTIFY wake-up until unsubscribed; `due` is
   * true when a delayed job's time has come (the worker then promotes due jobs at once).
   */
  subscribe(wake: (queue: string, due: boolean) => void): () => void;
  close(): Promise<void>;
}

interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  end(): Promise<void>;
}

/** Creates the notifier; with a PostgreSQL `url`, one LISTEN connection opens on first subscriber. */
export function createNotifier(options: {
  url: string | undefined;
  channel: string;
  windowMs?: number;
}): Notifier {
  const windowMs = options.windowMs ?? 10;
  const lastSent = new Map<string, number>();
  const owed = new Map<string, Database>();
  let flush: NodeJS.Timeout | undefined;
  const listeners = new Set<(queue: string, due: boolean) => void>();
  const timers = new Map<string, NodeJS.Timeout>();
  let client: Promise<PgClient | null> | undefined;
  let closed = false;
  const fire = (queue: string, due = false) => {
    for (const listener of listeners) listener(queue, due);
  };

  async function listen(url: string): Promise<PgClient | null> {
    const pg = (await import('pg')).default;
    const pgClient = new pg.Client({ connectionString: statementCacheOf(url).url }) as unknown as PgClient;
    // A lost LISTEN connection only costs latency: workers keep polling.
    pgClient.on('error', () => {
      client = undefined;
    });
    pgClient.on('notification', (message) => {
      if (message.channel !== options.channel) return;
      const [queue = '', at] = (message.payload ?? '').split('|');
      if (at === undefined) fire(queue);
      else notifier.local(queue, new Date(Number(at)));
    });
    try {
      await pgClient.connect();
      await pgClient.query(`listen ${options.channel}`);
    } catch {
      client = undefined;
      return null;
    }
    if (closed) {
      await pgClient.end().catch(() => undefined);
      return null;
    }
    return pgClient;
  }

  const notifier: Notifier = {
    local(queue, at) {
      const wait = at ? at.getTime() - Date.now() : 0;
      if (at === undefined || wait <= 0) {
        fire(queue);
        return;
      }
      // One timer per queue and instant: a bulk enqueue of jobs due together sets one.
      const key = `${queue}|${at.getTime()}`;
      if (timers.has(key)) return;
      const timer = setTimeout(() => {
        timers.delete(key);
        fire(queue, true);
      }, wait);
      timer.unref();
      timers.set(key, timer);
    },
    inline(queue) {
      const now = Date.now();
      if (now - (lastSent.get(queue) ?? 0) < windowMs) return false;
      lastSent.set(queue, now);
      return true;
    },
    trailing(db, queue) {
      owed.set(queue, db);
      flush ??= setTimeout(() => {
        flush = undefined;
        const due = [...owed];
        owed.clear();
        for (const [name, database] of due) {
          lastSent.set(name, Date.now());
          notifier.notify(database, name).catch(() => undefined);
        }
      }, windowMs);
      flush.unref();
    },
    async notify(db, queue) {
      if (db.dialect === 'postgres')
        await sql`select pg_notify(${options.channel}, ${queue})`.execute(db.kysely);
    },
    subscribe(wake) {
      listeners.add(wake);
      if (options.url && !closed) client ??= listen(options.url);
      return () => listeners.delete(wake);
    },
    async close() {
      closed = true;
      if (flush) clearTimeout(flush);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      const open = await client;
      client = undefined;
      await open?.end().catch(() => undefined);
    },
  };
  return notifier;
}
