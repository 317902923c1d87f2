import { escapeHtml } from '../internal/html.js';

/**
 * The renderer: typed TSX (or plain calls) to strings, escaped by default. An element is an
 * {@link Html} value; text, numbers and attribute values are escaped when they are put in one,
 * so only an `Html` (an element, or {@link trustedHtml}) is ever written as markup.
 */

const brand: unique symbol = Symbol.for('basalt.html');

/** Markup that is safe to send as it is: made by an element, a component or {@link trustedHtml}. */
export class Html {
  /** The markup. */
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  /** The markup, so that an `Html` can be sent or put in a template literal that is sent as is. */
  toString(): string {
    return this.value;
  }
}

// The brand lives on the prototype: a field would be defined on every element rendered.
Object.defineProperty(Html.prototype, brand, { value: true });

/** What may appear as a child of an element: text (escaped), markup, nothing, or a list of these. */
export type Child = Html | string | number | bigint | boolean | null | undefined | readonly Child[];

/** True for an {@link Html} value. */
export function isHtml(value: unknown): value is Html {
  if (value instanceof Html) return true;
  return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
}

/**
 * Marks `markup` as trusted HTML, written without escaping: the one way around escaping, and
 * easy to find (`grep -rn trustedHtml`). Never pass it anything a user typed.
 *
 * @example
 * <div>{trustedHtml(renderMarkdown(book.description))}</div>
 */
export function trustedHtml(markup: string): Html {
  return new Html(String(markup));
}

export { escapeHtml };

/** Children as markup: text escaped, markup kept, `null`/`undefined`/booleans left out. */
export function renderChildren(children: unknown): string {
  // Most frequent first: text, then an element, then a list; a number (an id, a count) next.
  if (typeof children === 'string') return escapeHtml(children);
  if (typeof children === 'object') {
    if (children instanceof Html) return children.value;
    if (children === null) return '';
    if (Array.isArray(children)) {
      let out = '';
      for (let i = 0; i < children.length; i += 1) {
        const child: unknown = children[i];
        out +=
          child instanceof Html
            ? child.value
            : typeof child === 'string'
              ? escapeHtml(child)
              : renderChildren(child);
      }
      return out;
    }
    if (isHtml(children)) return children.value;
  } else {
    if (typeof children === 'number') return `${children}`;
    if (children === undefined || typeof children === 'boolean') return '';
    if (typeof children === 'bigint') return `${children}`;
  }
  // An object that is not markup (a model row, a promise) is a mistake worth seeing.
  throw new TypeError(
    `Cannot render ${Object.prototype.toString.call(children)} as HTML: render one of its fields, or a component`,
  );
}

/** Elements without content or end tag. */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);

/** Attributes whose value is a URL: a script-running scheme there is replaced, escaping cannot help. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'poster',
  'cite',
  'data',
  'srcset',
  'xlink:href',
  'ping',
  'background',
  'manifest',
]);
/** Schemes a URL attribute may name; anything else (`javascript:`, `data:`, `vbscript:`) is blocked. */
const SAFE_SCHEME = /^(?:https?|mailto|tel):/i;
const SCHEME = /^[^/?#]*?:/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop these before reading a scheme
const IGNORED_IN_URL = /[\x00-\x20\x7f]/g;
/** What a blocked URL becomes (Go's html/template uses `#ZgotmplZ`). */
export const BLOCKED_URL = 'about:invalid#blocked';

/** A URL attribute's value, or {@link BLOCKED_URL} when it names a scheme other than http(s), mailto and tel. */
export function safeUrl(value: string): string {
  const stripped = value.replace(IGNORED_IN_URL, '');
  if (!SCHEME.test(stripped)) return value;
  return SAFE_SCHEME.test(stripped) ? value : BLOCKED_URL;
}

/** A `srcset` (`a.png 1x, b.png 2x`): blocked whole when any of its URLs is. */
function safeSrcset(value: string): string {
  for (const candidate of value.split(',')) {
    const url = candidate.trim().split(/\s+/, 1)[0] ?? '';
    if (safeUrl(url) === BLOCKED_URL) return BLOCKED_URL;
  }
  return value;
}

const ATTRIBUTE_NAME = /^[a-zA-Z_:][a-zA-Z0-9_.:-]*$/;

/** Renders attributes: values escaped, URLs checked, `true` as a bare name, `false`/`null`/`undefined` left out. */
export function renderAttributes(props: Record<string, unknown>): string {
  let out = '';
  const keys = Object.keys(props);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    if (key === 'children') continue;
    const value = props[key];
    if (value === undefined || value === null || value === false) continue;
    const name = key === 'className' ? 'class' : key === 'htmlFor' ? 'for' : key;
    if (!ATTRIBUTE_NAME.test(name)) throw new TypeError(`Invalid attribute name ${JSON.stringify(name)}`);
    if (value === true) {
      out += ` ${name}`;
      continue;
    }
    if (isHtml(value)) {
      out += ` ${name}="${value.value}"`;
      continue;
    }
    // An event handler is script: only trusted markup may go there, never a string built from data.
    if (name.length > 2 && (name[0] === 'o' || name[0] === 'O') && (name[1] === 'n' || name[1] === 'N'))
      throw new TypeError(`The ${name} attribute takes trustedHtml(...), not a string: it is script`);
    const text = typeof value === 'string' ? value : String(value);
    const lower = name.toLowerCase();
    const checked = lower === 'srcset' ? safeSrcset(text) : URL_ATTRIBUTES.has(lower) ? safeUrl(text) : text;
    out += ` ${name}="${escapeHtml(checked)}"`;
  }
  return out;
}

/** Props of an intrinsic element: attributes plus children. */
export type ElementProps = { children?: Child } & Record<string, unknown>;

/** A component: a function from typed props to markup. */
export type Component<P = Record<string, never>> = (props: P) => Html;

/** Renders an element or calls a component; what JSX compiles to. */
export function createElement(type: string | ((props: never) => Html), props: ElementProps | null): Html {
  if (typeof type === 'function') return (type as (props: ElementProps) => Html)(props ?? {});
  if (props === null) return new Html(VOID.has(type) ? `<${type}>` : `<${type}></${type}>`);
  const children = props.children;
  // The common element has children only: no attribute walk.
  for (const key in props) {
    if (key !== 'children') {
      const open = `<${type}${renderAttributes(props)}>`;
      return new Html(VOID.has(type) ? open : `${open}${renderChildren(children)}</${type}>`);
    }
  }
  if (children === undefined && VOID.has(type)) return new Html(`<${type}>`);
  return new Html(`<${type}>${renderChildren(children)}</${type}>`);
}

/** Groups children without an element (`<>...</>`). */
export function Fragment(props: { children?: Child }): Html {
  return new Html(renderChildren(props.children));
}

const JSON_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Puts a value in the page as JSON for scripts to read (Django's `json_script`): a
 * `<script type="application/json">` whose text cannot end the element or open a comment,
 * since `<`, `>` and `&` are written as `\u003c`-style escapes. Read it with
 * `JSON.parse(document.getElementById(id).textContent)`.
 *
 * @example
 * {jsonScript('cart-data', { items: cart.items })}
 */
export function jsonScript(id: string, value: unknown): Html {
  const json = (JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c] ?? c);
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}

/** `<!DOCTYPE html>` before the page's markup: what a page sends. */
export function renderDocument(page: Html): string {
  const markup = page.value;
  return markup.startsWith('<html') ? `<!DOCTYPE html>${markup}` : markup;
}
