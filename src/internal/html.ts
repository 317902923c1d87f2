// Escaping HTML text, shared by the views renderer, mail templates and the API docs page.

const ESCAPED = /[&<>"']/;

/** Escapes text for HTML content and quoted attribute values (`& < > " '`). */
export function escapeHtml(text: string): string {
  // Most text has nothing to escape: one regular-expression scan, no copy.
  if (!ESCAPED.test(text)) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i += 1) {
    let replacement: string;
    switch (text.charCodeAt(i)) {
      case 38:
        replacement = '&amp;';
        break;
      case 60:
        replacement = '&lt;';
        break;
      case 62:
        replacement = '&gt;';
        break;
      case 34:
        replacement = '&quot;';
        break;
      case 39:
        replacement = '&#39;';
        break;
      default:
        continue;
    }
    if (i > last) out += text.slice(last, i);
    out += replacement;
    last = i + 1;
  }
  return last < text.length ? out + text.slice(last) : out;
}
