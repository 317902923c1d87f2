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
  try {
    const parts = request.parts({
      limits: { fileSize: options.maxSize + 1, files: 1, fields: 100, fieldSize: 65_536, parts: 101 },
    });
    for await (const part of parts) {
      if (part.type === 'field') {
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
  }
  if (!file) throw new StorageError('BASALT_STORAGE_NO_FILE', `The form has no file in the field '${field}'`);
  return { file, fields };
}
