/**
 * Languages for server-rendered pages (exported by `basalt/views`; no subpath of its own).
 *
 * API note for Basalt's own pages (views, the admin):
 * - A page gets `view.i18n`, a {@link Translator} for the request's locale (the user's setting
 *   when the app offers it, else `Accept-Language`, else the default), and `view.locale`.
 *   `view.i18n.t('key', { count })` formats an ICU message; `number`, `currency`, `date`,
 *   `dateTime`, `list`, `relativeTime` format through `Intl`.
 * - Basalt's own keys are `basalt.*` (`messages/basalt.ts`, English and Spanish). A module
 *   with its own keys (the admin: `admin.*`) declares them with `defineMessages({ en, es })`
 *   and reads them through `view.i18n.extend(adminMessages)`: the app's messages come first,
 *   then the module's, then Basalt's, in the request's locale, then in the default locale.
 * - Apps configure it with `views({ languages: { locales: ['en', 'es'], messages } })`; outside
 *   a request `createLanguages(options).translator(locale)` gives the same translator.
 */
export { type Catalog, defineMessages, type Messages } from './catalog.js';
export { createLanguages, type LanguageOptions, Languages, type LocaleSource } from './languages.js';
export { basaltMessages } from './messages/basalt.js';
export { negotiateLocale } from './negotiate.js';
export { type MessageValues, Translator } from './translator.js';
