/**
 * The best of `available` locales for an `Accept-Language` header (RFC 9110: quality values,
 * `*`), or undefined when none fits. A tag matches exactly (case aside), then by its language
 * (`es-MX` is served by `es`, and `es` by `es-ES` when that is all there is).
 *
 * @example
 * negotiateLocale('es-MX,es;q=0.9,en;q=0.5', ['en', 'es']); // 'es'
 */
export function negotiateLocale(
  header: string | undefined,
  available: readonly string[],
): string | undefined {
  if (header === undefined || header === '' || available.length === 0) return undefined;
  const wanted: { tag: string; q: number; order: number }[] = [];
  const parts = header.split(',', 50);
  for (let i = 0; i < parts.length; i += 1) {
    const [range, ...params] = parts[i]!.split(';');
    const tag = range!.trim().toLowerCase();
    if (tag === '' || tag.length > 35) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=');
      if (name?.trim().toLowerCase() === 'q') q = Number(value);
    }
    if (!(q > 0 && q <= 1)) continue;
    wanted.push({ tag, q, order: i });
  }
  wanted.sort((a, b) => b.q - a.q || a.order - b.order);
  const lower = available.map((locale) => locale.toLowerCase());
  for (const { tag } of wanted) {
    if (tag === '*') return available[0];
    const exact = lower.indexOf(tag);
    if (exact !== -1) return available[exact];
    const language = tag.split('-', 1)[0]!;
    const byLanguage = lower.findIndex(
      (locale) => locale === language || locale.split('-', 1)[0] === language,
    );
    if (byLanguage !== -1) return available[byLanguage];
  }
  return undefined;
}
