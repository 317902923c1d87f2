import { escapeHtml } from '../internal/html.js';
import type { MailMessage } from './message.js';

/** The parts of a mail template; `{{ name }}` is replaced by the value of `name`. */
export interface MailTemplateSource {
  subject: string;
  text: string;
  html?: string;
}

/** A template made by {@link defineMailTemplate}. */
export interface MailTemplate<V extends Record<string, unknown>> {
  /** The subject, text and HTML with `values` filled in (escaped in the HTML). */
  render(values: V): Pick<MailMessage, 'subject' | 'text' | 'html'>;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;
export { escapeHtml };

function lookup(values: Record<string, unknown>, path: string): string {
  let value: unknown = values;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      throw new TypeError(`Mail template value ${path} is missing`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value === null || value === undefined ? '' : String(value);
}

/**
 * Declares a mail with text and HTML bodies. Values are inserted as they are into the subject
 * (line breaks removed) and the text, and HTML-escaped into the HTML, so a user's name cannot
 * inject markup or a link. A placeholder without a value throws.
 *
 * @example
 * const welcome = defineMailTemplate<{ name: string; link: string }>({
 *   subject: 'Welcome, {{ name }}',
 *   text: 'Hello {{ name }}, confirm at {{ link }}',
 *   html: '<p>Hello {{ name }}, <a href="{{ link }}">confirm</a></p>',
 * });
 * await sendMail(ctx, { to: user.email, ...welcome.render({ name: user.name, link }) });
 */
export function defineMailTemplate<V extends Record<string, unknown>>(
  source: MailTemplateSource,
): MailTemplate<V> {
  return {
    render(values) {
      const fill = (template: string, encode: (s: string) => string) =>
        template.replace(PLACEHOLDER, (_, path: string) => encode(lookup(values, path)));
      return {
        subject: fill(source.subject, (s) => s.replace(/[\r\n]+/g, ' ')),
        text: fill(source.text, (s) => s),
        ...(source.html === undefined ? {} : { html: fill(source.html, escapeHtml) }),
      };
    },
  };
}
