import { UsageError } from './usage-error.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** A string flag's value, or undefined when not given. */
export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** An integer flag's value within bounds; a malformed one is a usage error (exit 2). */
export function integerValue(
  values: Values,
  name: string,
  bounds: { min: number; max?: number },
): number | undefined {
  const raw = stringValue(values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(raw.trim()) || value < bounds.min || value > max) {
    const range = bounds.max === undefined ? `${bounds.min} or more` : `${bounds.min} to ${bounds.max}`;
    throw new UsageError(`--${name} must be an integer, ${range} (got '${raw}').`);
  }
  return value;
}
