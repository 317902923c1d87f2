const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/**
 * Converts a positive duration to milliseconds. Numbers are milliseconds already; strings
 * are an integer followed by `ms`, `s`, `m`, `h` or `d`. Anything else throws a `TypeError`.
 *
 * @example
 * parseDuration('1m'); // 60000
 * parseDuration(250); // 250
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value;
    throw new TypeError(`A duration in milliseconds must be a positive integer, got ${String(value)}`);
  }
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (ms > 0 && Number.isSafeInteger(ms)) return ms;
  throw new TypeError(
    `Invalid duration ${JSON.stringify(value) ?? String(value)}: expected a positive integer followed by ms, s, m, h or d (e.g. '30s', '1m'), or a number of milliseconds`,
  );
}
