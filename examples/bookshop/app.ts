import { defineApp } from 'basalt';
import { models } from './models.js';
import { getBook, listBooks, quoteBook } from './routes.js';
import { seedCommand } from './seed.js';

/** The reference app: every Basalt capability shows up here as it lands. */
export default defineApp({
  name: 'bookshop',
  info: { title: 'Bookshop API', version: '0.1.0', description: 'The Basalt reference application.' },
  models,
  routes: [listBooks, getBook, quoteBook],
  commands: [seedCommand],
  migrations: new URL('./migrations', import.meta.url),
});
