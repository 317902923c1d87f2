// Escaping HTML text, shared by the views renderer, mail templates and the API docs page.

const ESCAPED = /[&<>"']/;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values (`& < > " '`). */
export function escapeHtml(text: string): string {
  if (!ESCAPED.test(text)) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i += 1) {
    const replacement = ESCAPES[text[i]!];
    if (replacement === undefined) continue;
    if (i > last) out += text.slice(last, i);
    out += replacement;
    last = i + 1;
  }
  return last < text.length ? out + text.slice(last) : out;
}
