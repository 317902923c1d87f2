/**
 * Prices are exact decimals with two places, as strings ('12.50'). Arithmetic on them is
 * done in integer cents, never in floats.
 */
export function toCents(price: string): number {
  const [units = '0', fraction = ''] = price.split('.');
  return Number(units) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

/** Cents back to a two-place decimal string: 1250 → '12.50'. */
export function fromCents(cents: number): string {
  return (cents / 100).toFixed(2);
}
