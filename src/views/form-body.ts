import type { FastifyRequest } from 'fastify';
import { BasaltError } from '../core/index.js';

/** A form's fields as sent: one string per name, or a list when the name repeats. */
export type FormValues = Record<string, string | string[]>;

/** A file part of a multipart form, handed to the page to store (its stream must be read or resumed). */
export interface FilePart {
  readonly field: string;
  readonly filename: string;
  readonly mimetype: string;
  readonly stream: NodeJS.ReadableStream;
}

/** Receives the form's file parts the page wants (`accepts(field)`); the others are dropped. */
export interface FileReceiver {
  /** The largest file accepted, bytes (the parser's per-file bound). */
  readonly maxSize: number;
  accepts(field: string): boolean;
  /**
   * Called with the fields read so far before the first file is received: it throws to refuse
   * the form (a missing CSRF token) before anything reaches storage.
   */
  beforeFirstFile?(values: FormValues): void;
  receive(part: FilePart): Promise<void>;
}

const DEFAULT_LIMIT = 1024 * 1024;

/**
 * Reads a form body (`application/x-www-form-urlencoded` or `multipart/form-data`) into its
 * fields. Files of a multipart body go to `files` when it accepts their field (a model form's
 * file fields, stored through basalt/storage), and are dropped otherwise. Another type is a
 * 415, a body over `limit` bytes (files aside) a 413.
 */
export async function readFormBody(
  request: FastifyRequest,
  limit = DEFAULT_LIMIT,
  files?: FileReceiver,
): Promise<FormValues> {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseUrlEncoded(await readText(request, limit));
  if (type === 'multipart/form-data') {
    try {
      return await readMultipart(request, limit, files);
    } catch (error) {
      // busboy's own errors (no boundary, a truncated part) are the client's: a 400, never a 500.
      const status = (error as { statusCode?: unknown; status?: unknown }).statusCode;
      if (error instanceof BasaltError || (typeof status === 'number' && status < 500)) throw error;
      throw new BasaltError(
        'BASALT_HTTP_MALFORMED_BODY',
        `Malformed multipart form: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  throw new BasaltError(
    'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE',
    type === ''
      ? 'A form page takes application/x-www-form-urlencoded or multipart/form-data; the request has no Content-Type'
      : `A form page takes application/x-www-form-urlencoded or multipart/form-data, not ${type.slice(0, 100)}`,
  );
}

async function readText(request: FastifyRequest, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseUrlEncoded(text: string): FormValues {
  const values: FormValues = {};
  for (const [name, value] of new URLSearchParams(text)) add(values, name, value);
  return values;
}

async function readMultipart(
  request: FastifyRequest,
  limit: number,
  files?: FileReceiver,
): Promise<FormValues> {
  const values: FormValues = {};
  const parts = (
    request as FastifyRequest & {
      parts(
        options: object,
      ): AsyncIterable<
        | { type: 'field'; fieldname: string; value: unknown }
        | { type: 'file'; fieldname: string; filename: string; mimetype: string; file: NodeJS.ReadableStream }
      >;
    }
  ).parts({
    limits: { fieldSize: limit, fields: 1000, files: 20, ...(files ? { fileSize: files.maxSize + 1 } : {}) },
  });
  let size = 0;
  let checked = false;
  for await (const part of parts) {
    if (part.type === 'file') {
      // A file input left empty still sends a part, with no name and no bytes.
      if (files && part.filename !== '' && files.accepts(part.fieldname)) {
        if (!checked) {
          checked = true;
          try {
            files.beforeFirstFile?.(values);
          } catch (error) {
            part.file.resume();
            throw error;
          }
        }
        await files.receive({
          field: part.fieldname,
          filename: part.filename,
          mimetype: part.mimetype,
          stream: part.file,
        });
      } else part.file.resume();
      continue;
    }
    const value = String(part.value);
    size += value.length;
    if (size > limit) throw tooLarge(limit);
    add(values, part.fieldname, value);
  }
  return values;
}

function add(values: FormValues, name: string, value: string): void {
  const previous = values[name];
  if (previous === undefined) values[name] = value;
  else if (Array.isArray(previous)) previous.push(value);
  else values[name] = [previous, value];
}

function tooLarge(limit: number): BasaltError {
  return new BasaltError('BASALT_HTTP_PAYLOAD_TOO_LARGE', `The form is larger than ${limit} bytes`);
}
