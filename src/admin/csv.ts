import { Readable } from 'node:stream';
import type { AnyModel } from '../db/index.js';
import type { Actor } from '../ops/index.js';
import { hiddenFields, listObjects } from '../ops/internal.js';
import type { AdminContext, Row } from './context.js';
import { readListQuery } from './list-query.js';
import { type AdminModel, metaOf } from './registry.js';
import { displayValue, fieldLabel, objectLabel } from './render.js';

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * One CSV cell (RFC 4180). A text starting with `=`, `+`, `-`, `@`, a tab or a carriage return
 * is prefixed with `'`, so a spreadsheet opening the file shows it rather than running it as a
 * formula (CSV injection); plain numbers are left as they are.
 */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) && !NUMBER.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * The list as CSV, streamed page by page through the operation layer (the same filters,
 * search, order and policy as the list page; no cursor): the first page is read before the
 * answer starts, so a bad parameter is a 400 and not a broken download.
 */
export async function exportCsv(
  ctx: AdminContext,
  actor: Actor,
  entry: AdminModel,
  models: ReadonlyMap<string, AnyModel>,
): Promise<Readable> {
  const { params } = readListQuery(entry, ctx.request.query as Row);
  delete (params as { cursor?: unknown }).cursor;
  if (entry.relationColumns.size > 0) params.include = [...entry.relationColumns.keys()].join(',');
  const hidden = hiddenFields(entry.runtime.plan, actor);
  const columns = entry.columns.filter((c) => !hidden.has(entry.relationColumns.get(c)?.attribute ?? c));
  const runtime = entry.exportRuntime;
  const header = columns.map((c) =>
    c === 'id'
      ? 'ID'
      : entry.relationColumns.has(c)
        ? (entry.model.meta.fields[c]?.label ?? c)
        : fieldLabel(entry, c),
  );
  const cell = (row: Row, column: string): string => {
    if (entry.relationColumns.has(column)) {
      const related = row[column] as Row | null | undefined;
      const target = models.get(entry.relationColumns.get(column)!.target);
      return related && target ? objectLabel({ model: target }, related) : '';
    }
    const value = row[column];
    return value === null || value === undefined ? '' : displayValue(metaOf(entry.model, column), value);
  };
  let page = await listObjects(runtime, ctx.db, actor, params);
  async function* lines(): AsyncGenerator<string> {
    yield `\uFEFF${csvLine(header)}`;
    for (;;) {
      let chunk = '';
      for (const row of page.results) chunk += csvLine(columns.map((c) => cell(row, c)));
      yield chunk;
      const cursor = page.next?.cursor;
      if (cursor === undefined) return;
      page = await listObjects(runtime, ctx.db, actor, { ...params, cursor });
    }
  }
  return Readable.from(lines());
}
