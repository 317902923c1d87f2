import bookshop from '../../../examples/bookshop/app.js';
import { defineApp } from '../../../src/app/index.js';
import { dataCommands } from '../../../src/db/data/index.js';

/** The bookshop with the data commands, for tests run before they are registered app-wide. */
export default defineApp({ ...bookshop, commands: [...(bookshop.commands ?? []), ...dataCommands] });
