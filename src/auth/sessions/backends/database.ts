import type { AnyModel, Executor } from '../../../db/index.js';
import type { SessionBackend, SessionRecord } from './backend.js';

interface SessionRow {
  key: string;
  userId: number | string | null;
  data: unknown;
  expiresAt: Date;
}

interface LooseExecutor {
  query(model: AnyModel): { where(where: Record<string, unknown>): { first(): Promise<unknown> } };
  upsert(model: AnyModel, data: Record<string, unknown>, options: { conflict: string[] }): Promise<unknown>;
  deleteMany(model: AnyModel, where: Record<string, unknown>): Promise<number>;
}

/** Sessions in the `auth_session` table, through the request's executor. */
export function databaseSessionBackend(model: AnyModel): SessionBackend {
  const loose = (db: Executor) => db as unknown as LooseExecutor;
  const load = async (db: Executor, key: string): Promise<SessionRecord | null> => {
    const row = (await loose(db).query(model).where({ key }).first()) as SessionRow | undefined;
    if (!row) return null;
    const data = row.data && typeof row.data === 'object' ? (row.data as Record<string, unknown>) : {};
    return { userId: row.userId ?? null, data, expiresAt: new Date(row.expiresAt) };
  };
  return {
    load,
    async take(db, key) {
      const record = await load(db, key);
      if (!record) return null;
      // The delete is the claim: of two concurrent takers only one removes the row.
      return (await loose(db).deleteMany(model, { key })) === 1 ? record : null;
    },
    async save(db, key, record: SessionRecord) {
      await loose(db).upsert(
        model,
        { key, userId: record.userId, data: record.data, expiresAt: record.expiresAt },
        { conflict: ['key'] },
      );
    },
    async delete(db, key) {
      await loose(db).deleteMany(model, { key });
    },
    async deleteAllFor(db, userId) {
      await loose(db).deleteMany(model, { userId });
    },
    async close() {},
  };
}
