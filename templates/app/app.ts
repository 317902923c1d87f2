import { defineApp, get, t } from 'basalt';

/** `GET /hello?name=Ada` → `{ "message": "Hello, Ada!" }`; the schemas validate, type and document it. */
export const hello = get(
  '/hello',
  {
    summary: 'Say hello',
    query: t.Object({ name: t.String({ minLength: 1, maxLength: 50, default: 'world' }) }),
    response: t.Object({ message: t.String() }),
  },
  ({ query }) => ({ message: `Hello, ${query.name}!` }),
);

export default defineApp({
  name: 'my-app',
  routes: [hello],
});
