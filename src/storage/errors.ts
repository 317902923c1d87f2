import { BasaltError, type BasaltErrorOptions, defineErrorCodes } from '../core/index.js';

/** Error codes of `basalt/storage`, in the same shape as core's `ERROR_CODES`. */
export const STORAGE_ERROR_CODES = defineErrorCodes({
  BASALT_STORAGE_NOT_FOUND: { status: 404, title: 'File not found' },
  BASALT_STORAGE_INVALID_KEY: { status: 400, title: 'Invalid storage key' },
  BASALT_STORAGE_RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable' },
  BASALT_STORAGE_FILE_TOO_LARGE: { status: 413, title: 'File too large' },
  BASALT_STORAGE_TYPE_NOT_ACCEPTED: { status: 415, title: 'File type not accepted' },
  BASALT_STORAGE_NO_FILE: { status: 400, title: 'No file in the upload' },
  BASALT_STORAGE_SIGNATURE_INVALID: { status: 403, title: 'Invalid or tampered signature' },
  BASALT_STORAGE_SIGNATURE_EXPIRED: { status: 403, title: 'Signed URL expired' },
  BASALT_STORAGE_UNKNOWN_STORAGE: { status: 500, title: 'Unknown storage' },
  BASALT_STORAGE_UNSUPPORTED_URL: { status: 500, title: 'Unsupported STORAGE_URL' },
  BASALT_STORAGE_BACKEND_FAILED: { status: 502, title: 'The storage backend failed' },
});

/** A `basalt/storage` error code. */
export type StorageErrorCode = keyof typeof STORAGE_ERROR_CODES;

/** Base class of storage errors; `status` comes from {@link STORAGE_ERROR_CODES}. */
export class StorageError extends BasaltError {
  constructor(code: StorageErrorCode, message?: string, options: BasaltErrorOptions = {}) {
    super(code, message, options);
  }
}

/** 404: no object is stored under the key. */
export class StorageNotFoundError extends StorageError {
  readonly key: string;
  constructor(key: string) {
    super('BASALT_STORAGE_NOT_FOUND', `No file is stored under '${key}'`);
    this.key = key;
  }
}

/** 416: the requested byte range lies outside the object; `size` is its length. */
export class RangeNotSatisfiableError extends StorageError {
  readonly size: number;
  constructor(size: number) {
    super('BASALT_STORAGE_RANGE_NOT_SATISFIABLE', `The range lies outside the file (${size} bytes)`, {
      headers: { 'content-range': `bytes */${size}` },
    });
    this.size = size;
  }
}

/** 413: an upload went past its size limit (nothing of it is kept). */
export class FileTooLargeError extends StorageError {
  constructor(maxSize: number) {
    super('BASALT_STORAGE_FILE_TOO_LARGE', `The file is larger than the limit of ${maxSize} bytes`);
  }
}

/** 415: the file's content (its magic bytes) is not one of the accepted types. */
export class FileTypeNotAcceptedError extends StorageError {
  readonly detected: string;
  constructor(detected: string, accept: readonly string[]) {
    super(
      'BASALT_STORAGE_TYPE_NOT_ACCEPTED',
      `The file's content is ${detected}, which is not one of: ${accept.join(', ')}`,
    );
    this.detected = detected;
  }
}
