import type { Database } from '../db/index.js';
import { parseLsn, type ReadSession, withReadSession } from '../db/internal.js';
import type { RequestContext } from '../http/index.js';
import { readCookie, replaceSetCookie } from '../internal/cookies.js';

/** The cookie holding the primary's WAL position after the client's last write. */
export const LSN_COOKIE = 'basalt_lsn';

/**
 * Seconds the cookie lives: a client's reads avoid replicas that have not replayed its last
 * write for this long; a replica further behind than that is a replica to fix.
 */
const LSN_COOKIE_AGE = 300;

/**
 * The request's database when read replicas are configured: reads go to a replica unless
 * this request wrote, or the client's last write (the `basalt_lsn` cookie) is not yet on it.
 */
export function readYourWrites(db: Database, context: RequestContext, nodeEnv: string): Database {
  const header = context.request.headers.cookie;
  const raw = header === undefined ? undefined : readCookie(header, LSN_COOKIE);
  const session: ReadSession = {
    pinned: false,
    minLsn: raw === undefined ? null : parseLsn(raw),
    wrote: (lsn) => {
      const secure = nodeEnv === 'production' ? '; Secure' : '';
      const line = `${LSN_COOKIE}=${lsn}; Max-Age=${LSN_COOKIE_AGE}; Path=/; HttpOnly; SameSite=Lax${secure}`;
      if (!context.reply.sent) replaceSetCookie(context.reply, LSN_COOKIE, line);
    },
  };
  return withReadSession(db, session);
}
