import type { AnyModel } from './model.js';
import { encodeCursor } from './query/cursor.js';
import { resolveOrder } from './query/order.js';

/**
 * The cursor of a row for an ordering (`['-price', 'id']`), in the one encoding `Query.page()`
 * gives and reads: a list that pages backwards asks for the cursor of its first row.
 */
export function cursorOfRow(model: AnyModel, keys: readonly string[], row: Record<string, unknown>): string {
  return encodeCursor(resolveOrder(model, keys, false), row);
}
