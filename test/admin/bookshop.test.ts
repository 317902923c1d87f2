// The bookshop's back office: a few lines in examples/bookshop/app.ts give staff the admin,
// on the catalogue's collection (books need the model permissions) with the audit log.
import { getAuth } from 'basalt/auth';
import { operations, system } from 'basalt/ops';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookCollection } from '../../examples/bookshop/api.js';
import bookshop from '../../examples/bookshop/app.js';
import { Author, Book, Customer, Order, OrderLine } from '../../examples/bookshop/models.js';
import { decode, inputValue, listedLinks } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const HTML = 'text/html';

describe('the bookshop back office', () => {
  let client: TestClient<typeof bookshop.routes>;
  beforeAll(async () => {
    client = await createTestClient(bookshop);
  });
  afterAll(() => client.close());

  async function signIn(email: string, options: { superuser?: boolean; permissions?: string[] }) {
    const auth = getAuth(client.app);
    const user = await auth.createUser(client.db!, {
      email,
      password: PASSWORD,
      isStaff: true,
      isSuperuser: options.superuser ?? false,
    });
    if (options.permissions) await auth.grantPermissions(client.db!, { user: user.id }, options.permissions);
    const login = await client.request({
      method: 'POST',
      url: '/admin/login',
      payload: new URLSearchParams({ username: email, password: PASSWORD, next: '/admin/' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    });
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const get = (url: string) => client.request({ method: 'GET', url, headers: { cookie, accept: HTML } });
    const token = /name="csrf_token" value="([^"]+)"/.exec((await get('/admin/')).text)![1]!;
    const post = (url: string, fields: Record<string, string>) =>
      client.request({
        method: 'POST',
        url,
        payload: new URLSearchParams({ csrf_token: token, ...fields }).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://localhost',
          cookie,
          accept: HTML,
        },
      });
    return { get, post };
  }

  it('lists every module’s models and edits a book with its history', async () => {
    const author = (await client.db!.create(Author, { name: 'Frank Herbert' })) as { id: number };
    const book = (await client.db!.create(Book, {
      title: 'Dune',
      isbn: '9780441013593',
      price: '9.99',
      authorId: author.id,
    })) as { id: number };
    const staff = await signIn('backoffice@example.com', { superuser: true });
    const index = await staff.get('/admin/');
    expect(index.status).toBe(200);
    for (const group of ['bookshop', 'auth', 'jobs', 'audit'])
      expect(index.text).toContain(`id="group_${group}"`);
    const list = await staff.get('/admin/book/?q=dune');
    expect(listedLinks(list.text)).toEqual(['Dune']);
    const url = `/admin/book/${book.id}/change`;
    const form = await staff.get(url);
    expect(decode(form.text)).toContain('>Frank Herbert</a>');
    const saved = await staff.post(url, {
      _version: inputValue(form.text, '_version')!,
      title: 'Dune',
      isbn: '9780441013593',
      price: '10.99',
      authorId: String(author.id),
    });
    expect(saved.status, saved.text).toBe(303);
    expect((await client.db!.get(Book, book.id)).price).toBe('10.99');
    // The model's validator, through the collection: an ISBN of the wrong length.
    const bad = await staff.post(url, {
      title: 'Dune',
      isbn: '123',
      price: '10.99',
      authorId: String(author.id),
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('ISBN must be 10 or 13 digits');
    // A write from code (or REST, GraphQL, a job) through the layer lands in the same history.
    await operations(client.db!).update(system, bookCollection, book.id, { title: 'Dune (1965)' });
    const history = await staff.get(`/admin/book/${book.id}/history`);
    expect(history.text).toContain('backoffice@example.com');
    expect(history.text).toContain('<strong>Price</strong>: 9.99 → 10.99');
    const newest = history.text.split('<tr>')[2]!;
    expect(newest).toContain('<td>system</td>');
    expect(newest).toContain('<strong>Title</strong>: Dune → Dune (1965)');
  });

  it('renders the list, add and change pages of every model of every module', async () => {
    const staff = await signIn('everything@example.com', { superuser: true });
    const index = await staff.get('/admin/');
    const lists = [...index.text.matchAll(/<th scope="row"><a href="(\/admin\/[^"]+\/)">/g)].map(
      (m) => m[1]!,
    );
    expect(lists.length).toBeGreaterThan(15);
    for (const list of lists) {
      const res = await staff.get(list);
      expect(res.status, `${list}: ${res.text.slice(0, 500)}`).toBe(200);
      const add = await staff.get(`${list}add`);
      expect(add.status, `${list}add`).toBe(200);
      // A row starts with its selection checkbox when the user may act on the list.
      const first = /<tbody><tr>(?:<td class="select">.*?<\/td>)?<td><a href="([^"]+)"/.exec(res.text)?.[1];
      if (first) expect((await staff.get(first)).status, first).toBe(200);
    }
  });

  it('edits an order’s lines as an inline of its change form', async () => {
    const db = client.db!;
    const author = await db.create(Author, { name: 'Le Guin' });
    const book = await db.create(Book, {
      title: 'Earthsea',
      isbn: '9780000000017',
      price: '8.00',
      authorId: author.id,
    });
    const customer = await db.create(Customer, { name: 'Ged', email: 'ged@example.com' });
    const order = await db.create(Order, { customerId: customer.id });
    await db.create(OrderLine, { orderId: order.id, bookId: book.id, quantity: 2, unitPrice: '8.00' });
    const staff = await signIn('orders@example.com', { superuser: true });
    const list = await staff.get('/admin/order/?status=placed');
    expect(list.text).toContain(`<a href="/admin/customer/${customer.id}/change">Ged</a>`);
    const form = await staff.get(`/admin/order/${order.id}/change`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="lines-0-quantity" value="2"');
    expect(form.text).toContain('name="lines-new-0-bookId"');
  });

  it('needs the book permissions the catalogue’s collection asks for', async () => {
    const viewer = await signIn('viewer@example.com', { permissions: ['view_book'] });
    expect((await viewer.get('/admin/book/')).status).toBe(200);
    expect((await viewer.get('/admin/book/add')).status).toBe(403);
    expect((await viewer.get('/admin/order/')).status).toBe(403);
  });
});
