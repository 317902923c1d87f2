/** The messages of one language: a key (`shop.cart.empty`) to an ICU message (`{count, plural, one {# book} other {# books}}`). */
export type Messages = Readonly<Record<string, string>>;

/** Messages per locale (`{ en: {...}, es: {...} }`): what an app, the admin or Basalt ships. */
export type Catalog = Readonly<Record<string, Messages>>;

/**
 * Declares a catalogue of ICU messages per locale. It returns the catalogue as it is (typed);
 * the messages are parsed when the app starts (`views({ languages })`), and a message that is
 * not valid ICU stops the start with its key and locale.
 *
 * @example
 * export const shopMessages = defineMessages({
 *   en: { 'shop.cart.count': '{count, plural, =0 {Your cart is empty} one {# book in your cart} other {# books in your cart}}' },
 *   es: { 'shop.cart.count': '{count, plural, =0 {Tu carrito está vacío} one {# libro en tu carrito} other {# libros en tu carrito}}' },
 * });
 */
export function defineMessages<const C extends Catalog>(catalog: C): C {
  return catalog;
}
