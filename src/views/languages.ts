import type { FastifyRequest } from 'fastify';
import { Languages, type Translator } from '../i18n/index.js';

/** Where a request carries its app's {@link Languages} (set by the views module). */
export const LANGUAGES: unique symbol = Symbol('basalt.languages');
/** Where a request keeps the translator chosen for it, once chosen. */
const CHOSEN: unique symbol = Symbol('basalt.translator');

let english: Languages | undefined;

type LanguageRequest = FastifyRequest & { [LANGUAGES]?: Languages; [CHOSEN]?: Translator };

/** The app's languages, or English only in an app without `views()`. */
export function languagesOf(request: FastifyRequest): Languages {
  const own = (request as LanguageRequest)[LANGUAGES];
  if (own !== undefined) return own;
  english ??= new Languages();
  return english;
}

/** The request's translator: the user's setting, else Accept-Language, else the default; chosen once per request. */
export function translatorOf(request: FastifyRequest, user?: object | null): Translator {
  const chosen = (request as LanguageRequest)[CHOSEN];
  if (chosen !== undefined) return chosen;
  const languages = languagesOf(request);
  const acceptLanguage = request.headers['accept-language'];
  const translator = languages.translator(
    languages.select({
      user: user ?? null,
      acceptLanguage: typeof acceptLanguage === 'string' ? acceptLanguage : undefined,
    }),
  );
  (request as LanguageRequest)[CHOSEN] = translator;
  return translator;
}
