import { defineApp } from 'basalt';
import { getBook, listBooks, quoteBook } from './routes.js';

/** The reference app: every Basalt capability shows up here as it lands. */
export default defineApp({
  name: 'bookshop',
  info: { title: 'Bookshop API', version: '0.1.0', description: 'The Basalt reference application.' },
  routes: [listBooks, getBook, quoteBook],
});
