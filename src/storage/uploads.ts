import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { BasaltError } from '../core/index.js';
import { FileTooLargeError, StorageError } from './errors.js';
import type { SaveOptions, Storage, StoredFile } from './storage.js';

/** Options of an upload: where the file goes and what it may be. */
export interface UploadOptions extends Omit<SaveOptions, 'name' | 'declaredType'> {
  /** The form field holding the file; default `file`. */
  field?: string;
  /** Largest accepted file, bytes; default the module's STORAGE_MAX_UPLOAD. */
  maxSize?: number;
}

/** What `ctx.storage.upload(ctx)` read: the stored file and the form's text fields. */
export interface UploadResult {
  file: StoredFile;
  /** Text fields of the form (those sent before the file, and after it). */
  fields: Record<string, string>;
}

const MULTIPART_ERRORS: Record<string, string> = {
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'The request is not multipart/form-data',
  FST_PARTS_LIMIT: 'The form has too many parts',
  FST_FILES_LIMIT: 'The form has too many files',
  FST_FIELDS_LIMIT: 'The form has too many fields',
  FST_PROTO_VIOLATION: 'A form field name is not allowed',
};

/** Text fields a form may have, and the size of each (busboy's limits). */
const MAX_FIELDS = 100;
const MAX_FIELD_SIZE = 65_536;
/** What a whole form may hold besides its file: every field at its limit, with part headers. */
const FORM_ALLOWANCE = MAX_FIELDS * (MAX_FIELD_SIZE + 1024) + 65_536;

/**
 * Bounds the bytes a form may send in all. busboy reports a field over its limit only once
 * the field ends, reading and discarding the rest until then: without a bound, a field of
 * gigabytes would be read to its end before the 413.
 */
class FormCap {
  readonly #raw: FastifyRequest['raw'];
  readonly #limit: number;
  readonly #exceeded: Promise<never>;
  #received = 0;
  #reject: ((error: Error) => void) | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.#received += chunk.length;
    if (this.#received > this.#limit)
      this.#reject?.(
        new BasaltError(
          'BASALT_HTTP_PAYLOAD_TOO_LARGE',
          `The form is larger than ${this.#limit} bytes: a field (at most ${MAX_FIELD_SIZE} bytes each) or the file is over its limit`,
        ),
      );
  };

  constructor(request: FastifyRequest, limit: number) {
    this.#raw = request.raw;
    this.#limit = limit;
    this.#exceeded = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.#exceeded.catch(() => undefined);
    this.#raw.on('data', this.#onData);
  }

  /** `promise`, or the 413 if the form goes over its bound first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#exceeded]);
  }

  release(): void {
    this.#raw.off('data', this.#onData);
  }
}

function translate(error: unknown, maxSize: number): unknown {
  if (error instanceof BasaltError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new FileTooLargeError(maxSize);
  const known = MULTIPART_ERRORS[code];
  if (known) return new BasaltError('BASALT_HTTP_BAD_REQUEST', known);
  // busboy's parse errors ("Unexpected end of form", a bad boundary) are the client's.
  if (error instanceof Error && /form|boundary|multipart|part/i.test(error.message))
    return new BasaltError('BASALT_HTTP_BAD_REQUEST', `Malformed multipart body: ${error.message}`);
  return error;
}

/**
 * Streams the file of a multipart/form-data request into `storage` (nothing is buffered):
 * magic bytes checked against `accept` (415), size against `maxSize` while streaming
 * (413), a generated key. Text fields are collected; other files in the form are refused.
 * Needs an endpoint declared with `streamBody: true`.
 */
export async function receiveUpload(
  request: FastifyRequest,
  storage: Storage,
  options: UploadOptions & { maxSize: number },
): Promise<UploadResult> {
  const field = options.field ?? 'file';
  if (typeof request.isMultipart !== 'function' || !request.isMultipart()) {
    throw new BasaltError(
      'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE',
      `Send the file as multipart/form-data in the field '${field}'`,
    );
  }
  const fields: Record<string, string> = {};
  let file: StoredFile | undefined;
  let cap: FormCap | undefined;
  try {
    const parts = request.parts({
      limits: {
        fileSize: options.maxSize + 1,
        files: 1,
        fields: MAX_FIELDS,
        fieldSize: MAX_FIELD_SIZE,
        parts: MAX_FIELDS + 1,
      },
    });
    // Counted once busboy is piped in: a 'data' listener added before would start the flow.
    cap = new FormCap(request, options.maxSize + FORM_ALLOWANCE);
    const iterator = parts[Symbol.asyncIterator]();
    const next = () => (cap as FormCap).race(iterator.next());
    for (let step = await next(); !step.done; step = await next()) {
      const part = step.value;
      if (part.type === 'field') {
        // busboy cuts a field at fieldSize and says so only here: a cut value is never kept.
        if (part.valueTruncated)
          throw new BasaltError(
            'BASALT_HTTP_PAYLOAD_TOO_LARGE',
            `The form field '${part.fieldname}' is larger than the limit of ${MAX_FIELD_SIZE} bytes`,
          );
        if (part.fieldnameTruncated)
          throw new BasaltError('BASALT_HTTP_BAD_REQUEST', 'A form field name is longer than 100 bytes');
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== field) {
        part.file.resume();
        throw new BasaltError(
          'BASALT_HTTP_BAD_REQUEST',
          `Unexpected file in the field '${part.fieldname}'; send it in '${field}'`,
        );
      }
      file = await storage.save(part.file, {
        ...options,
        name: part.filename,
        declaredType: part.mimetype,
      });
    }
  } catch (error) {
    if (file) await storage.delete(file).catch(() => undefined);
    throw translate(error, options.maxSize);
  } finally {
    cap?.release();
  }
  if (!file) throw new StorageError('BASALT_STORAGE_NO_FILE', `The form has no file in the field '${field}'`);
  return { file, fields };
}
