import { IntlMessageFormat } from 'intl-messageformat';
import { BasaltError } from '../core/index.js';
import type { Catalog } from './catalog.js';
import { basaltMessages } from './messages/basalt.js';
import { negotiateLocale } from './negotiate.js';
import { Translator } from './translator.js';

/** The languages of an app: `views({ languages })`, or {@link createLanguages} outside requests. */
export interface LanguageOptions {
  /** The locales the site is offered in, in order of preference (default `['en']`). */
  locales?: readonly string[];
  /** The locale when nothing else fits (default: the first of `locales`). */
  defaultLocale?: string;
  /**
   * The app's messages: one catalogue or several, looked in before Basalt's own, so an app
   * can also reword or translate what Basalt renders (`basalt.form.required`).
   */
  messages?: Catalog | readonly Catalog[];
  /**
   * The signed-in user's own setting, chosen before `Accept-Language` when it is one of
   * `locales` (default: the user's `locale` or `language` field, when the user model has one).
   */
  userLocale?: (user: object) => string | null | undefined;
}

/** What a locale is chosen from: the user (their setting) and the `Accept-Language` header. */
export interface LocaleSource {
  user?: object | null;
  acceptLanguage?: string | undefined;
}

const defaultUserLocale = (user: object): string | undefined => {
  const { locale, language } = user as { locale?: unknown; language?: unknown };
  return typeof locale === 'string' ? locale : typeof language === 'string' ? language : undefined;
};

/**
 * An app's languages: which locales it offers, how one is chosen for a request, and a
 * {@link Translator} per locale (made once, kept).
 */
export class Languages {
  /** The locales offered, in order of preference. */
  readonly locales: readonly string[];
  /** The locale used when nothing else fits. */
  readonly defaultLocale: string;
  readonly #catalogs: readonly Catalog[];
  readonly #userLocale: (user: object) => string | null | undefined;
  readonly #translators = new Map<string, Translator>();

  constructor(options: LanguageOptions = {}) {
    const locales = options.locales ?? ['en'];
    if (locales.length === 0) throw invalid('languages: `locales` lists no locale');
    for (const locale of locales) {
      try {
        new Intl.Locale(locale);
      } catch {
        throw invalid(`languages: ${JSON.stringify(locale)} is not a locale tag (such as en, es or pt-BR)`);
      }
    }
    this.locales = [...locales];
    this.defaultLocale = options.defaultLocale ?? locales[0]!;
    if (!this.locales.includes(this.defaultLocale))
      throw invalid(
        `languages: the default locale ${JSON.stringify(this.defaultLocale)} is not one of \`locales\``,
      );
    const own =
      options.messages === undefined
        ? []
        : Array.isArray(options.messages)
          ? options.messages
          : [options.messages];
    this.#catalogs = [...(own as Catalog[]), basaltMessages];
    for (const catalog of own as Catalog[]) checkCatalog(catalog);
    this.#userLocale = options.userLocale ?? defaultUserLocale;
  }

  /** The translator of `locale` (one of `locales`; any other gets the default locale's). */
  translator(locale: string): Translator {
    let translator = this.#translators.get(locale);
    if (translator === undefined) {
      const known = this.locales.includes(locale) ? locale : this.defaultLocale;
      translator =
        this.#translators.get(known) ?? new Translator(known, this.#catalogs, [this.defaultLocale, 'en']);
      this.#translators.set(locale, translator);
      this.#translators.set(known, translator);
    }
    return translator;
  }

  /** The locale for a request: the user's setting when offered, else the best for `Accept-Language`, else the default. */
  select(source: LocaleSource): string {
    if (this.locales.length === 1) return this.defaultLocale;
    const own = source.user ? this.userChoice(source.user) : undefined;
    return own ?? negotiateLocale(source.acceptLanguage, this.locales) ?? this.defaultLocale;
  }

  /** The offered locale the user's own setting names (`userLocale`), or undefined when it names none. */
  userChoice(user: object): string | undefined {
    const chosen = this.#userLocale(user);
    return chosen ? negotiateLocale(chosen, this.locales) : undefined;
  }
}

/**
 * An app's {@link Languages} outside a request (a job, an email, a command): the same options
 * as `views({ languages })`.
 *
 * @example
 * const languages = createLanguages({ locales: ['en', 'es'], messages: shopMessages });
 * const t = languages.translator(user.language);
 * await sendMail({ to: user.email, subject: t.t('shop.mail.shipped', { count: order.items.length }) });
 */
export function createLanguages(options: LanguageOptions = {}): Languages {
  return new Languages(options);
}

function checkCatalog(catalog: Catalog): void {
  for (const [locale, messages] of Object.entries(catalog))
    for (const [key, text] of Object.entries(messages)) {
      if (typeof text !== 'string')
        throw invalid(`messages: ${locale} ${JSON.stringify(key)} is not a string`);
      try {
        new IntlMessageFormat(text, locale, undefined, { ignoreTag: true });
      } catch (error) {
        throw invalid(
          `messages: ${locale} ${JSON.stringify(key)} is not a valid ICU message (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
}

function invalid(message: string): BasaltError {
  return new BasaltError('BASALT_CONFIG_INVALID', message);
}
