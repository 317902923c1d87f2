// The bookshop's storefront: server-rendered pages over the same operations as its API,
// usable without JavaScript (docs/views.md).
import { signIn, signInPage, signOut, signUp, signUpPage } from './account.js';
import { cartPage, checkout, updateCart } from './cart.js';
import { addToCart, bookPage, cataloguePage, home } from './catalogue.js';
import { myOrders, orderPage } from './orders.js';

export { storefrontMessages } from './messages.js';

/** Every page of the storefront. */
export const storefront = [
  home,
  cataloguePage,
  bookPage,
  addToCart,
  cartPage,
  updateCart,
  checkout,
  myOrders,
  orderPage,
  signInPage,
  signIn,
  signUpPage,
  signUp,
  signOut,
];
