import type { FastifyReply } from 'fastify';

/** The value of the cookie `name` in a Cookie header (first one wins), without allocating an array. */
export function readCookie(header: string, name: string): string | undefined {
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim();
      return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    start = end + 1;
  }
  return undefined;
}

/** Adds a Set-Cookie line to a reply, replacing one set earlier in the same request for the same cookie. */
export function replaceSetCookie(reply: FastifyReply, name: string, line: string): void {
  const existing = reply.getHeader('set-cookie');
  if (existing === undefined) {
    reply.header('set-cookie', line);
    return;
  }
  const prefix = `${name}=`;
  const others = (Array.isArray(existing) ? existing : [String(existing)]).filter(
    (l) => !l.startsWith(prefix),
  );
  // Fastify appends set-cookie values: replace the whole list.
  reply.removeHeader('set-cookie');
  reply.header('set-cookie', [...others, line]);
}
