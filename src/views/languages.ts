import type { FastifyReply, FastifyRequest } from 'fastify';
import { Languages, negotiateLocale, type Translator } from '../i18n/index.js';
import { readCookie, replaceSetCookie } from '../internal/cookies.js';

/** Where a request carries its app's {@link Languages} (set by the views module). */
export const LANGUAGES: unique symbol = Symbol('basalt.languages');
/** Where a request keeps the translator chosen for it, once chosen. */
const CHOSEN: unique symbol = Symbol('basalt.translator');

/**
 * The cookie that remembers a signed-in user's own language setting (Django's
 * `django_language`): a page rendered for the user writes it, so that answers given before
 * any user is known — a 404, a 400 from validation, a 401 — speak it too.
 */
export const LANGUAGE_COOKIE = 'basalt_language';
const YEAR = 365 * 24 * 60 * 60;

let english: Languages | undefined;

type LanguageRequest = FastifyRequest & { [LANGUAGES]?: Languages; [CHOSEN]?: Translator };

/** The app's languages, or English only in an app without `views()`. */
export function languagesOf(request: FastifyRequest): Languages {
  const own = (request as LanguageRequest)[LANGUAGES];
  if (own !== undefined) return own;
  english ??= new Languages();
  return english;
}

/**
 * The request's translator, chosen once per request: the user's setting, else the language
 * remembered in {@link LANGUAGE_COOKIE}, else Accept-Language, else the default.
 */
export function translatorOf(request: FastifyRequest, user?: object | null): Translator {
  const chosen = (request as LanguageRequest)[CHOSEN];
  if (chosen !== undefined) return chosen;
  const languages = languagesOf(request);
  let locale: string | undefined = languages.defaultLocale;
  if (languages.locales.length > 1) {
    locale = user ? languages.userChoice(user) : undefined;
    locale ??= rememberedLocale(request, languages);
    if (locale === undefined) {
      const acceptLanguage = request.headers['accept-language'];
      locale = languages.select({
        acceptLanguage: typeof acceptLanguage === 'string' ? acceptLanguage : undefined,
      });
    }
  }
  const translator = languages.translator(locale);
  (request as LanguageRequest)[CHOSEN] = translator;
  return translator;
}

function rememberedLocale(request: FastifyRequest, languages: Languages): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  const value = readCookie(header, LANGUAGE_COOKIE);
  return value ? negotiateLocale(value, languages.locales) : undefined;
}

/**
 * Writes {@link LANGUAGE_COOKIE} when the signed-in user's own setting names an offered
 * language the cookie does not hold yet (an app with one language writes nothing).
 */
export function rememberLanguage(request: FastifyRequest, reply: FastifyReply, user: object): void {
  const languages = languagesOf(request);
  if (languages.locales.length === 1) return;
  const own = languages.userChoice(user);
  if (own === undefined || rememberedLocale(request, languages) === own) return;
  const secure = request.protocol === 'https' ? '; Secure' : '';
  replaceSetCookie(
    reply,
    LANGUAGE_COOKIE,
    `${LANGUAGE_COOKIE}=${encodeURIComponent(own)}; Path=/; Max-Age=${YEAR}; SameSite=Lax; HttpOnly${secure}`,
  );
}
