// The automatic JSX runtime (`"jsxImportSource": "basalt/views"`): TSX compiles to calls of
// jsx/jsxs, which render straight to escaped strings (see html.ts).
import { type Child, createElement, Fragment, type Html } from './html.js';

export { Fragment };

/** Renders one element or component (what `<a href={url}>text</a>` compiles to). */
export function jsx(type: string | ((props: never) => Html), props: Record<string, unknown>): Html {
  return createElement(type, props);
}

/** Same as {@link jsx}, for elements with several children. */
export const jsxs = jsx;

/**
 * The types the TypeScript compiler checks TSX against.
 * @hidden Not listed in the API reference: TypeScript reads it, nobody calls it (a namespace
 * would also be a folder of pages, not the one page per subpath the docs site expects).
 */
export declare namespace JSX {
  /** What an element expression is. */
  type Element = Html;
  /** Attribute values of intrinsic elements: text (escaped), numbers, booleans, trusted markup. */
  type AttributeValue = string | number | boolean | Html | null | undefined;
  /** Any HTML element, with any attributes of the value types above. */
  interface IntrinsicElements {
    [tag: string]: { children?: Child } & { [attribute: string]: AttributeValue | Child };
  }
  /** Components take their props' `children` as declared. */
  interface ElementChildrenAttribute {
    children: {};
  }
}
