import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient, type TestResponse } from 'basalt/testing';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { Author, Book, shop } from './shop.js';

/** The databases every REST suite runs on. */
export const cases = [
  { name: 'SQLite', database: {} },
  ...(hasPostgres ? [{ name: 'PostgreSQL', database: { url: POSTGRES_URL } }] : []),
];

export type ShopClient = TestClient<typeof shop.routes>;

/** A started shop with helpers to make users, tokens and books. */
export async function startShop(database: { url?: string }, env: Record<string, string> = {}) {
  const client: ShopClient = await createTestClient(shop, { database, env });
  let seq = 0;
  const user = async (extra: Record<string, unknown> = {}) => {
    seq += 1;
    const service = getAuth(client.app);
    const created = await service.createUser(client.db!, {
      email: `user${seq}@example.com`,
      password: 'correct horse battery staple',
      ...extra,
    });
    const tokens = await service.issueTokens(client.db!, created);
    return { id: Number(created.id), headers: { authorization: `Bearer ${tokens.access}` } };
  };
  const author = (name = `Author ${++seq}`) => client.db!.create(Author, { name });
  const book = async (data: Record<string, unknown> = {}) => {
    seq += 1;
    const authorId = (data.authorId as number | undefined) ?? (await author()).id;
    return client.db!.create(Book, {
      title: `Book ${seq}`,
      isbn: String(1000000000 + seq),
      price: '10.00',
      ...data,
      authorId,
    } as never);
  };
  const call = (
    method: string,
    url: string,
    options: { headers?: Record<string, string>; body?: unknown } = {},
  ) =>
    client.request({
      method: method as 'GET',
      url,
      headers: options.headers,
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    }) as Promise<TestResponse<Record<string, unknown> & { results?: Record<string, unknown>[] }>>;
  return { client, user, author, book, call };
}
