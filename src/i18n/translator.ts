import { IntlMessageFormat } from 'intl-messageformat';
import type { Catalog, Messages } from './catalog.js';

/** Values a message's `{arguments}` take: text, numbers, dates, booleans. */
export type MessageValues = Readonly<
  Record<string, string | number | bigint | boolean | Date | null | undefined>
>;

/**
 * Messages and formats of one locale: `t(key, values)` for ICU messages (plurals, selects,
 * numbers and dates inside them), `number`, `date`, `list` and `relativeTime` through `Intl`.
 * Made by `Languages.translator(locale)` and given to pages as `view.i18n`.
 */
export class Translator {
  /** The locale messages and formats are in (`es`). */
  readonly locale: string;
  /** The catalogues in lookup order (the app's first, Basalt's last). */
  readonly #catalogs: readonly Catalog[];
  /** The locales looked in, in order: this one, its language, the default. */
  readonly #chain: readonly string[];
  readonly #compiled = new Map<string, IntlMessageFormat | string>();
  readonly #formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
  readonly #extended = new WeakMap<Catalog, Translator>();

  /** `fallbacks`: the locales looked in after this one and its language (the default locale). */
  constructor(locale: string, catalogs: readonly Catalog[], fallbacks: readonly string[]) {
    this.locale = locale;
    this.#catalogs = catalogs;
    this.#chain = [...new Set([locale, locale.split('-', 1)[0]!, ...fallbacks])];
  }

  /**
   * The message `key` in this locale with `values` put in (as text: templates escape it). A
   * key missing in this locale comes from the default locale; a key missing everywhere is
   * answered as the key itself, so a page still renders and the gap is visible.
   *
   * @example
   * view.i18n.t('shop.cart.count', { count: 3 }); // '3 books in your cart'
   */
  t(key: string, values?: MessageValues): string {
    let message = this.#compiled.get(key);
    if (message === undefined) {
      message = this.#compile(key);
      this.#compiled.set(key, message);
    }
    if (typeof message === 'string') return message;
    return message.format(values as Record<string, string>) as string;
  }

  /** True when some catalogue has `key` in this locale or the default one. */
  has(key: string): boolean {
    return this.#find(key) !== undefined;
  }

  /** A number in this locale's way (`1.234,5` in Spanish); options as `Intl.NumberFormat`'s. */
  number(value: number | bigint, options?: Intl.NumberFormatOptions): string {
    return (
      this.#format('n', options, () => new Intl.NumberFormat(this.locale, options)) as Intl.NumberFormat
    ).format(value);
  }

  /** An amount of money (`12,50 €`). */
  currency(value: number, currency: string, options?: Intl.NumberFormatOptions): string {
    if (options !== undefined) return this.number(value, { ...options, style: 'currency', currency });
    // The common call (a price per row of a list): its format found without serializing options.
    const format = this.#format(`c${currency}`, undefined, () =>
      Intl.NumberFormat(this.locale, { style: 'currency', currency }),
    ) as Intl.NumberFormat;
    return format.format(value);
  }

  /** A date (and time) in this locale's way; options as `Intl.DateTimeFormat`'s (default: `dateStyle: 'medium'`). */
  date(value: Date | number | string, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return '';
    return (
      this.#format('d', options, () => new Intl.DateTimeFormat(this.locale, options)) as Intl.DateTimeFormat
    ).format(date);
  }

  /** A date with its time (`dateStyle: 'medium', timeStyle: 'short'` unless told). */
  dateTime(value: Date | number | string, options?: Intl.DateTimeFormatOptions): string {
    return this.date(value, options ?? { dateStyle: 'medium', timeStyle: 'short' });
  }

  /** A list joined in this locale's way (`a, b y c`). */
  list(items: readonly string[], options?: Intl.ListFormatOptions): string {
    return new Intl.ListFormat(this.locale, options).format(items);
  }

  /** A relative time (`hace 3 días`). */
  relativeTime(
    value: number,
    unit: Intl.RelativeTimeFormatUnit,
    options?: Intl.RelativeTimeFormatOptions,
  ): string {
    return new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto', ...options }).format(value, unit);
  }

  /**
   * This translator with one more catalogue, looked in after the app's messages and before
   * Basalt's: how a module (the admin) ships its own keys while the app can still override
   * them. The result is kept, so calling it per request is cheap.
   *
   * @example
   * const t = view.i18n.extend(adminMessages);
   */
  extend(catalog: Catalog): Translator {
    let extended = this.#extended.get(catalog);
    if (extended === undefined) {
      const catalogs = [...this.#catalogs];
      catalogs.splice(Math.max(0, catalogs.length - 1), 0, catalog);
      extended = new Translator(this.locale, catalogs, this.#chain);
      this.#extended.set(catalog, extended);
    }
    return extended;
  }

  #find(key: string): { text: string; locale: string } | undefined {
    for (const locale of this.#chain)
      for (const catalog of this.#catalogs) {
        const text = (catalog[locale] as Messages | undefined)?.[key];
        if (text !== undefined) return { text, locale };
      }
    return undefined;
  }

  #compile(key: string): IntlMessageFormat | string {
    const found = this.#find(key);
    if (found === undefined) return key;
    // A message without arguments is its own text (ICU quoting aside).
    if (!/[{}']/.test(found.text)) return found.text;
    return new IntlMessageFormat(found.text, found.locale, undefined, { ignoreTag: true });
  }

  #format(
    kind: string,
    options: object | undefined,
    make: () => Intl.NumberFormat | Intl.DateTimeFormat,
  ): Intl.NumberFormat | Intl.DateTimeFormat {
    const key = options === undefined ? kind : `${kind}${JSON.stringify(options)}`;
    let format = this.#formats.get(key);
    if (format === undefined) {
      format = make();
      this.#formats.set(key, format);
    }
    return format;
  }
}
