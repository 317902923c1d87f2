import { BasaltError } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import type { Actor } from './actor.js';
import { AuditEntry } from './audit-entry.js';
import type { CollectionRuntime } from './collection.js';
import type { CollectionOptions } from './options.js';
import { attributeOf, type FieldPlan } from './plan.js';

type Row = Record<string, unknown>;

/** The kind of write an audit entry records. */
export type AuditOperation = 'create' | 'update' | 'delete';

/** The changed fields of a write: `{ status: ['placed', 'shipped'] }` (before, after; `null` when absent). */
export type AuditChanges = Record<string, [before: unknown, after: unknown]>;

/** What an audited collection records, resolved once with the collection. */
export interface AuditPlan {
  /** `true`/`false` as the collection says; `undefined`: the app's default (see `audit()`). */
  readonly enabled: boolean | undefined;
  /** Attributes recorded with their values. */
  readonly fields: readonly string[];
  /** Attributes recorded as changed, never with their values (passwords, tokens, write-only fields). */
  readonly redacted: readonly string[];
}

/** What a redacted value is recorded as. */
export const REDACTED = '[redacted]';

/** Names that hold secrets whatever their declaration says: never recorded with their values. */
const SENSITIVE = /pass(word|wd|phrase)?$|password|secret|token|api_?key|private_?key|salt|hash|otp/i;

/** Whether the field's name marks it as a secret (`password`, `apiToken`, `tokenHash`, `clientSecret`). */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE.test(name);
}

// Process-wide: the default of collections that do not say `audit`, set by the `audit()`
// module when an app is created (a process runs one app).
let auditDefault = false;

/** Sets the default of collections that do not say `audit` (the `audit()` module calls it). */
export function setAuditDefault(enabled: boolean): void {
  auditDefault = enabled;
}

/** Resolves a collection's `audit` option: which fields are recorded, which redacted. */
export function resolveAudit(
  model: AnyModel,
  options: CollectionOptions<AnyModel>,
  plan: FieldPlan,
): AuditPlan {
  const option = options.audit;
  // The log does not log itself.
  if (model.meta.table === AuditEntry.meta.table) return { enabled: false, fields: [], redacted: [] };
  const enabled = option === undefined ? undefined : option !== false;
  const names = (list: readonly string[] | undefined) =>
    new Set((list ?? []).map((n) => attributeOf(model, n)));
  const excluded = names(typeof option === 'object' ? option.exclude : undefined);
  for (const name of excluded)
    if (
      !(name in (model.schemas.read.properties as object)) &&
      !(name in (model.schemas.create.properties as object))
    )
      throw new BasaltError(
        'BASALT_CONFIG_INVALID',
        `audit.exclude: '${name}' is not a field of '${model.name}'`,
      );
  const writeOnly = names(options.writeOnly);
  const readable = new Set(plan.readable);
  const writable = new Set(plan.writable);
  const fields: string[] = [];
  const redacted: string[] = [];
  for (const meta of Object.values(model.meta.fields)) {
    const attribute = meta.attribute;
    if (attribute === null || attribute === 'id' || meta.auto === 'update' || excluded.has(attribute))
      continue;
    // Hidden from the collection (excluded, not listed) or shown only to some actors: not recorded.
    if (!readable.has(attribute) && !writable.has(attribute)) continue;
    if (plan.readRules.has(attribute)) continue;
    if (meta.writeOnly || writeOnly.has(attribute) || !readable.has(attribute) || isSensitiveName(attribute))
      redacted.push(attribute);
    else fields.push(attribute);
  }
  return { enabled, fields, redacted };
}

/** Whether writes to this collection are recorded (they then always run in a transaction). */
export function audited(rt: CollectionRuntime): boolean {
  return rt.audit.enabled ?? auditDefault;
}

/** A value as the log stores it: JSON-safe (dates as ISO strings, big integers as strings). */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
      return JSON.parse(
        JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    case 'function':
    case 'symbol':
      return null;
    default:
      return value;
  }
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function present(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

/** The field-level diff of a write: changed recorded fields with both values, changed redacted ones masked. */
export function auditChanges(plan: AuditPlan, before: Row | undefined, after: Row | undefined): AuditChanges {
  const changes: AuditChanges = {};
  for (const field of plan.fields) {
    const from = before ? jsonSafe(before[field]) : null;
    const to = after ? jsonSafe(after[field]) : null;
    if (!same(from, to)) changes[field] = [from, to];
  }
  for (const field of plan.redacted) {
    const from = before?.[field];
    const to = after?.[field];
    const changed = before && after ? !same(jsonSafe(from), jsonSafe(to)) : present(from) || present(to);
    if (changed)
      changes[field] = [before && present(from) ? REDACTED : null, after && present(to) ? REDACTED : null];
  }
  return changes;
}

function actorLabel(actor: Actor): string | null {
  const user = actor.user;
  if (!user) return null;
  const label = user.email ?? user.username;
  return typeof label === 'string' && label !== '' ? label.slice(0, 200) : null;
}

/**
 * Records one write of an audited collection, inside the write's transaction: `before` is
 * the row before an update or delete, `after` the row after a create or update. An update
 * that changed no recorded field records nothing.
 */
export async function recordWrite(
  rt: CollectionRuntime,
  db: Executor,
  actor: Actor,
  operation: AuditOperation,
  before: Row | undefined,
  after: Row | undefined,
): Promise<void> {
  if (!audited(rt)) return;
  const changes = auditChanges(rt.audit, before, after);
  if (operation === 'update' && Object.keys(changes).length === 0) return;
  const id = (after ?? before)?.id;
  try {
    await db.create(AuditEntry, {
      action: operation,
      model: rt.model.name,
      objectId: String(id),
      actorKind: actor.kind,
      actorId: actor.user ? String(actor.user.id) : null,
      actorLabel: actorLabel(actor),
      changes,
      at: new Date(),
    });
  } catch (error) {
    throw missingTable(error) ?? error;
  }
}

/** The error of a log whose table was never migrated, with what to do; else undefined. */
export function missingTable(error: unknown): BasaltError | undefined {
  const text = `${(error as Error)?.message ?? ''} ${((error as Error)?.cause as Error | undefined)?.message ?? ''}`;
  if (!text.includes(AuditEntry.meta.table) || !/no such table|does not exist/.test(text)) return undefined;
  return new BasaltError(
    'BASALT_CONFIG_INVALID',
    `The audit log's table ${AuditEntry.meta.table} does not exist: add audit() to the app's modules, then run basalt makemigrations and basalt migrate`,
    { cause: error },
  );
}
