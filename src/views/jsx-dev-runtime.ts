// The development form of the JSX runtime (esbuild and Vite emit jsxDEV outside production).
import { createElement, Fragment, type Html } from './html.js';

export type { JSX } from './jsx-runtime.js';
export { Fragment };

/** Renders one element or component; the source position arguments are ignored. */
export function jsxDEV(type: string | ((props: never) => Html), props: Record<string, unknown>): Html {
  return createElement(type, props);
}
