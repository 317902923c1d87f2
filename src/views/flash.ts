import type {} from '../auth/index.js';
import { BasaltError } from '../core/index.js';
import type { RequestContext } from '../http/index.js';

/** A message shown once, on the next page the user sees (Django's messages, Flask's `flash`). */
export interface FlashMessage {
  /** `info`, `success`, `warning` or `error`: what the layout styles it as. */
  readonly level: 'info' | 'success' | 'warning' | 'error';
  readonly text: string;
}

const KEY = '_flashes';

/**
 * Keeps a message in the session for the next page rendered (which shows it in
 * `view.messages` and removes it). Needs `auth()` (sessions) in the app.
 *
 * @example
 * await flash(ctx, `Saved “${book.title}”.`, 'success');
 * return redirect(`/books/${book.id}`);
 */
export async function flash(
  context: RequestContext,
  text: string,
  level: FlashMessage['level'] = 'info',
): Promise<void> {
  const session = (context as Partial<Pick<RequestContext, 'session'>>).session;
  if (session === undefined)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      'flash() keeps messages in the session: add auth() from basalt/auth to the app',
    );
  const pending = session.get<FlashMessage[]>(KEY) ?? [];
  await session.set(KEY, [...pending, { level, text }]);
}

const NONE: readonly FlashMessage[] = Object.freeze([]);

/**
 * The pending messages, removed from the session (one write, only when there were some).
 * Without any it answers at once, not a promise: most pages have none, and an await per
 * request is measurable.
 */
export function takeFlashes(
  context: RequestContext,
): readonly FlashMessage[] | Promise<readonly FlashMessage[]> {
  const session = (context as Partial<Pick<RequestContext, 'session'>>).session;
  if (session === undefined || !session.exists) return NONE;
  const pending = session.get<FlashMessage[]>(KEY);
  if (pending === undefined || pending.length === 0) return NONE;
  return session.set(KEY, undefined).then(() => pending);
}
