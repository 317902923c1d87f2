import type { AnyModel, CreateInput, Executor, Infer, PrimaryKeyOf, UpdateInput } from '../db/index.js';
import type { Storage, StoredFile } from './storage.js';

/**
 * Model operations that keep files and rows in step: a file stored for a row that is not
 * kept (validation fails, the transaction rolls back) is removed, and the file a row no
 * longer points at (replaced, cleared, row deleted) is removed only once the transaction
 * commits. Plain `db.update()` works too, but leaves replaced files for `basalt storage orphans`.
 */
export interface FileRecords {
  create<M extends AnyModel>(db: Executor, model: M, data: CreateInput<M>): Promise<Infer<M>>;
  update<M extends AnyModel>(
    db: Executor,
    model: M,
    id: PrimaryKeyOf<M>,
    data: UpdateInput<M>,
  ): Promise<Infer<M>>;
  delete<M extends AnyModel>(db: Executor, model: M, id: PrimaryKeyOf<M>): Promise<void>;
}

/** The file fields of a model: attribute name, the storage its files go to by default, and whether it holds images. */
export function fileFieldsOf(model: AnyModel): Array<{ attribute: string; storage: string; image: boolean }> {
  const out: Array<{ attribute: string; storage: string; image: boolean }> = [];
  for (const meta of Object.values(model.meta.fields)) {
    if (meta.kind !== 'file' || !meta.attribute) continue;
    const config = model.fields[meta.name]?.config;
    out.push({
      attribute: meta.attribute,
      storage: config?.storage ?? 'default',
      image: config?.image === true,
    });
  }
  return out;
}

function asFile(value: unknown): StoredFile | undefined {
  return typeof value === 'object' && value !== null && typeof (value as StoredFile).key === 'string'
    ? (value as StoredFile)
    : undefined;
}

/** Builds {@link FileRecords} over the app's storages. */
export function createFileRecords(options: {
  storage(name: string): Storage;
  /** Called for each file stored into a row (the upload is then no longer the request's to clean). */
  claim(file: StoredFile): void;
  /** Reports a clean-up that failed (the object stays until `storage orphans --delete`). */
  onCleanupError(error: unknown, file: StoredFile): void;
  /** Called once the transaction that stored an image into an `f.image()` field commits. */
  imageSaved?(file: StoredFile, storage: string): Promise<void>;
}): FileRecords {
  const storageOf = (file: StoredFile, fallback: string) => options.storage(file.storage ?? fallback);
  const remove = (file: StoredFile, fallback: string) => async () => {
    try {
      await storageOf(file, fallback).delete(file);
    } catch (error) {
      options.onCleanupError(error, file);
    }
  };
  const newFiles = async (tx: Executor, model: AnyModel, data: object, previous?: object) => {
    for (const { attribute, storage, image } of fileFieldsOf(model)) {
      const file = asFile((data as Record<string, unknown>)[attribute]);
      if (!file) continue;
      if (asFile((previous as Record<string, unknown> | undefined)?.[attribute])?.key === file.key) continue;
      options.claim(file);
      await tx.afterRollback(remove(file, storage));
      const saved = options.imageSaved;
      if (image && saved) await tx.afterCommit(() => saved(file, file.storage ?? storage));
    }
  };
  return {
    create(db, model, data) {
      return db.transaction(async (tx) => {
        await newFiles(tx, model, data);
        return tx.create(model, data);
      });
    },
    update(db, model, id, data) {
      return db.transaction(async (tx) => {
        const previous = (await tx.get(model, id)) as Record<string, unknown>;
        await newFiles(tx, model, data, previous);
        const row = await tx.update(model, id, data);
        for (const { attribute, storage } of fileFieldsOf(model)) {
          if (!(attribute in (data as object))) continue;
          const old = asFile(previous[attribute]);
          const now = asFile((row as Record<string, unknown>)[attribute]);
          if (old && old.key !== now?.key) await tx.afterCommit(remove(old, storage));
        }
        return row;
      });
    },
    delete(db, model, id) {
      return db.transaction(async (tx) => {
        const row = (await tx.get(model, id)) as Record<string, unknown>;
        await tx.delete(model, id);
        for (const { attribute, storage } of fileFieldsOf(model)) {
          const old = asFile(row[attribute]);
          if (old) await tx.afterCommit(remove(old, storage));
        }
      });
    },
  };
}
