import { Readable } from 'node:stream';
import { BasaltError, isBasaltError } from '../core/index.js';
import type { RequestContext } from '../http/index.js';
import type { Translator } from '../i18n/index.js';
import type { Storage, StoredFile } from '../storage/index.js';
import type { FilePart, FileReceiver, FormValues } from './form-body.js';
import type { ModelForm } from './model-form.js';

/** What a model's file field says about its files (`f.file({ storage, accept, maxSize })`). */
interface FileFieldConfig {
  storage?: string;
  accept?: readonly string[];
  maxSize?: number;
  image?: boolean;
}

/** A file field's bound when the model gives none: 10 MiB, the storage module's default. */
const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;

/**
 * The files of a posted model form: each file field's part streamed into its storage (sniffed
 * by magic bytes, size-limited while streaming, under a generated key), a refused file becoming
 * that field's error. Files of a form that fails are removed again ({@link discard}).
 */
export class FormUploads implements FileReceiver {
  readonly files: Record<string, StoredFile> = {};
  readonly errors: Record<string, string> = {};
  readonly maxSize: number;
  readonly #configs: ReadonlyMap<string, FileFieldConfig>;
  readonly #storageOf: (name: string | undefined) => Storage;
  readonly #i18n: Translator;
  readonly #saved: { storage: Storage; file: StoredFile }[] = [];
  /** Set by the page: checks the CSRF token read so far before the first file is stored. */
  beforeFirstFile?: (values: FormValues) => void;

  constructor(context: RequestContext, form: ModelForm, i18n: Translator) {
    const service = (context as { storage?: { get(name?: string): Storage } }).storage;
    if (service === undefined)
      throw new BasaltError(
        'BASALT_CONFIG_INVALID',
        `The form of ${form.model.name} has file fields: add storage() from basalt/storage to the app`,
      );
    const fields =
      (form.model as unknown as { fields?: Record<string, { config?: FileFieldConfig }> }).fields ?? {};
    const configs = new Map<string, FileFieldConfig>();
    for (const field of form.fields)
      if (field.widget.kind === 'file') configs.set(field.name, fields[field.name]?.config ?? {});
    this.#configs = configs;
    this.maxSize = Math.max(...[...configs.values()].map((config) => config.maxSize ?? DEFAULT_MAX_SIZE));
    this.#storageOf = (name) => service.get(name);
    this.#i18n = i18n;
  }

  accepts(field: string): boolean {
    return this.#configs.has(field) && this.files[field] === undefined && this.errors[field] === undefined;
  }

  async receive(part: FilePart): Promise<void> {
    const config = this.#configs.get(part.field) ?? {};
    const storage = this.#storageOf(config.storage);
    const maxSize = config.maxSize ?? DEFAULT_MAX_SIZE;
    // A file input left empty may still send a part with a name but no bytes: no file.
    const chunks = (part.stream as Readable)[Symbol.asyncIterator]();
    const first = await chunks.next();
    if (first.done) return;
    const body = Readable.from(
      (async function* () {
        yield first.value as Buffer;
        for (let next = await chunks.next(); !next.done; next = await chunks.next())
          yield next.value as Buffer;
      })(),
    );
    try {
      const file = await storage.save(body, {
        name: part.filename,
        declaredType: part.mimetype,
        maxSize,
        ...(config.accept ? { accept: config.accept } : {}),
        ...(config.image ? { image: true } : {}),
      });
      this.files[part.field] = file;
      this.#saved.push({ storage, file });
    } catch (error) {
      body.resume();
      part.stream.resume();
      if (!isBasaltError(error)) throw error;
      if (error.code === 'BASALT_STORAGE_FILE_TOO_LARGE')
        this.errors[part.field] = this.#i18n.t('basalt.form.file.tooLarge', { limit: this.#bytes(maxSize) });
      else if (error.code === 'BASALT_STORAGE_TYPE_NOT_ACCEPTED')
        this.errors[part.field] = this.#i18n.t('basalt.form.file.type', {
          type: (error as { detected?: string }).detected ?? '?',
        });
      else if (error.status < 500) this.errors[part.field] = error.message;
      else throw error;
    }
  }

  /** Removes the files stored for a form that was refused or whose page failed. */
  async discard(): Promise<void> {
    const saved = this.#saved.splice(0);
    await Promise.allSettled(saved.map(({ storage, file }) => storage.delete(file)));
  }

  #bytes(size: number): string {
    const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
    let value = size;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return this.#i18n.number(Math.round(value * 10) / 10, {
      style: 'unit',
      unit: units[unit],
      unitDisplay: 'short',
    });
  }
}
