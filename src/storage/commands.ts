import type { AppCommand, BasaltApp } from '../app/index.js';
import type { AnyModel, Database } from '../db/index.js';
import { fileFieldsOf } from './files.js';
import { getStorage } from './get-storage.js';

/** Keys every row of the app points at, by storage name (thumbnails count for their image). */
export async function referencedKeys(app: BasaltApp): Promise<Map<string, Set<string>>> {
  const db = app.db as Database | undefined;
  const out = new Map<string, Set<string>>();
  if (!db) return out;
  const models = [...new Set(app.modules.flatMap((m) => (m.models ?? []) as AnyModel[]))];
  for (const model of models) {
    const fields = fileFieldsOf(model);
    if (fields.length === 0) continue;
    // Keyset pages, so a large table is never held in memory at once.
    let after: unknown;
    for (;;) {
      let query = db.query(model).orderBy('id').limit(500);
      if (after !== undefined) query = query.where({ id: { gt: after } } as never);
      const rows = (await query.all()) as Array<Record<string, unknown>>;
      for (const row of rows) {
        for (const { attribute, storage } of fields) {
          const value = row[attribute] as { key?: unknown; storage?: unknown } | null | undefined;
          if (!value || typeof value.key !== 'string') continue;
          const name = typeof value.storage === 'string' ? value.storage : storage;
          if (!out.has(name)) out.set(name, new Set());
          out.get(name)!.add(value.key);
        }
      }
      if (rows.length < 500) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  return out;
}

/** `thumbs/<key>/<size>.webp` belongs to `<key>`. */
function ownerKey(key: string): string {
  if (!key.startsWith('thumbs/')) return key;
  const rest = key.slice('thumbs/'.length);
  return rest.slice(0, rest.lastIndexOf('/'));
}

/** `basalt storage orphans [--delete]`: objects no row points at. */
export const storageCommands: readonly AppCommand[] = [
  {
    name: 'storage',
    summary: 'File storage maintenance: `storage orphans [--delete]` lists (or removes) unreferenced files',
    usage: 'orphans',
    options: {
      delete: { type: 'boolean', description: 'Remove the orphans instead of listing them' },
      storage: { type: 'string', description: 'Only this named storage' },
      'older-than': {
        type: 'string',
        description: 'Only objects older than this many minutes (default 60: leaves uploads in flight alone)',
      },
    },
    async run(ctx) {
      const [action] = ctx.positionals;
      if (action !== 'orphans') {
        ctx.stderr.write(`Unknown action '${action ?? ''}': use 'basalt storage orphans [--delete]'\n`);
        return 2;
      }
      const minutes = Number(ctx.values['older-than'] ?? 60);
      if (!Number.isFinite(minutes) || minutes < 0) {
        ctx.stderr.write('--older-than takes a number of minutes\n');
        return 2;
      }
      // The CLI stops the apps it loaded once the command returns.
      const app = await ctx.loadApp();
      const service = getStorage(app);
      const referenced = await referencedKeys(app);
      const only = ctx.values.storage as string | undefined;
      const names = only ? [only] : service.names;
      const cutoff = Date.now() - minutes * 60_000;
      let count = 0;
      for (const name of names) {
        const storage = service.get(name);
        const keys = referenced.get(name) ?? new Set<string>();
        for await (const object of storage.backend.list('')) {
          if (keys.has(ownerKey(object.key)) || object.modified.getTime() > cutoff) continue;
          count += 1;
          if (ctx.values.delete) await storage.backend.delete(object.key);
          ctx.stdout.write(
            `${ctx.values.delete ? 'deleted' : 'orphan'} ${name} ${object.key} ${object.size}\n`,
          );
        }
      }
      ctx.stdout.write(`${count} orphan${count === 1 ? '' : 's'}${ctx.values.delete ? ' deleted' : ''}\n`);
      return 0;
    },
  },
];
