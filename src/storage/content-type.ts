import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes are read to recognise a file's type. */
export const SNIFF_BYTES = 4100;

const MARKUP = /^\s*<(!doctype|html|head|body|script|iframe|svg|\?xml|!--|[a-z]+[\s>])/i;
const TEXT_DECLARED = /^(text\/(?!html)[\w.+-]+|application\/(json|x-ndjson|csv))$/;

/**
 * The content type of a file from its first bytes (magic numbers, through `file-type`),
 * never from its name or the client's word alone. Markup is `text/html` (so a `.png` that
 * is really HTML is not an image); other text is `text/plain`, or the declared type when it
 * names a text format (`text/csv`); anything else unrecognised is `application/octet-stream`.
 */
export async function sniffContentType(head: Uint8Array, declared?: string): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  const sample = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 1024))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (MARKUP.test(sample) || /<script|<html|<!doctype html/i.test(sample)) return 'text/html';
  if (head.includes(0)) return 'application/octet-stream';
  const base = declared?.split(';')[0]?.trim().toLowerCase();
  return base && TEXT_DECLARED.test(base) ? base : 'text/plain';
}

/** Whether `type` matches one of `accept` (`image/*`, `application/pdf`, `*\/*`). */
export function isAccepted(type: string, accept: readonly string[] | undefined): boolean {
  if (!accept || accept.length === 0) return true;
  return accept.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    if (p === '*/*' || p === '*') return true;
    if (p.endsWith('/*')) return type.startsWith(p.slice(0, -1));
    return p === type;
  });
}

/** Types a browser may show inline without risk; everything else is served as an attachment. */
export function isInlineSafe(type: string): boolean {
  return (
    /^image\/(png|jpeg|gif|webp|avif)$/.test(type) ||
    type === 'application/pdf' ||
    /^(video|audio)\//.test(type) ||
    type === 'text/plain'
  );
}
