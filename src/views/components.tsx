import { CSRF_FIELD } from './form.js';
import type { Html } from './html.js';
import type { ViewContext } from './page.js';

/**
 * The hidden CSRF field of a form (nothing without a session): put it in every `POST` form.
 *
 * @example
 * <form method="post"><CsrfField view={view} />...</form>
 */
export function CsrfField(props: { view: Pick<ViewContext, 'csrfToken'> }): Html {
  return <input type="hidden" name={CSRF_FIELD} value={props.view.csrfToken ?? ''} />;
}
