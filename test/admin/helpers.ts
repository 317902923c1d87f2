// Helpers of the admin tests: users with permissions, a signed-in browser (cookie + CSRF
// token), form posts, and reading values out of the HTML the admin answers.
import { getAuth } from 'basalt/auth';
import type { TestClient, TestResponse } from 'basalt/testing';
import { expect } from 'vitest';
import type { adminApp } from './admin-app.js';

export const ORIGIN = 'http://localhost';
export const PASSWORD = 'correct horse battery staple';

let seq = 0;

/** Creates a user (staff unless told otherwise) holding `permissions`; answers its email. */
export async function makeUser(
  client: TestClient<typeof adminApp.routes>,
  options: { staff?: boolean; superuser?: boolean; permissions?: string[] } = {},
): Promise<{ id: number; email: string }> {
  seq += 1;
  const email = `user${seq}@example.com`;
  const auth = getAuth(client.app);
  const user = await auth.createUser(client.db!, {
    email,
    password: PASSWORD,
    isStaff: options.staff ?? true,
    isSuperuser: options.superuser ?? false,
  });
  if (options.permissions?.length)
    await auth.grantPermissions(client.db!, { user: user.id }, options.permissions);
  return { id: Number(user.id), email };
}

export function cookieOf(res: TestResponse): string | undefined {
  const header = res.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const line = lines.find((l) => l.startsWith('basalt_session='));
  return line ? line.slice(0, line.indexOf(';')) : undefined;
}

/** Posts a url-encoded form. */
export function postForm(
  client: TestClient<typeof adminApp.routes>,
  url: string,
  fields: Record<string, string | readonly string[]>,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  // A list value repeats its name (the list page's ticked rows: ids=1&ids=2).
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const one of typeof value === 'string' ? [value] : value) body.append(name, one);
  return client.request({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      accept: 'text/html',
      ...headers,
    },
  });
}

/** A browser signed in to the admin: its cookie, its CSRF token, and GET/POST helpers. */
export interface Browser {
  cookie: string;
  token: string;
  get(url: string): Promise<TestResponse>;
  post(
    url: string,
    fields: Record<string, string | readonly string[]>,
    options?: { token?: string | null },
  ): Promise<TestResponse>;
}

/** Signs in through the admin's login form. */
export async function signIn(client: TestClient<typeof adminApp.routes>, email: string): Promise<Browser> {
  const login = await postForm(client, '/admin/login', {
    username: email,
    password: PASSWORD,
    next: '/admin/',
  });
  expect(login.status, login.text).toBe(303);
  const cookie = cookieOf(login)!;
  expect(cookie).toBeDefined();
  const browser: Browser = {
    cookie,
    token: '',
    get: (url) => client.request({ method: 'GET', url, headers: { cookie, accept: 'text/html' } }),
    post: (url, fields, options = {}) => {
      const token = options.token === undefined ? browser.token : options.token;
      return postForm(client, url, token === null ? fields : { csrf_token: token, ...fields }, { cookie });
    },
  };
  const index = await browser.get('/admin/');
  browser.token = tokenOf(index.text);
  return browser;
}

export function tokenOf(html: string): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  expect(token, 'the page carries a CSRF token').toBeDefined();
  return token!;
}

/** The value attribute of the input named `name` (HTML-decoded). */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  const value = tag ? /value="([^"]*)"/.exec(tag)?.[1] : undefined;
  return value === undefined ? undefined : decode(value);
}

/** The error paragraph shown beside the field `name`. */
export function fieldError(html: string, name: string): string | undefined {
  const text = new RegExp(`<p class="errorlist" id="err_${name}">([^<]*)</p>`).exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

export function decode(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

/** The texts of the first cell of each body row of the list table. */
export function listedLinks(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  // A row starts with its selection checkbox when the list has actions.
  return [
    ...body.matchAll(/<tr>(?:<td class="select">.*?<\/td>)?<td><a href="[^"]*">([^<]*)<\/a><\/td>/g),
  ].map((m) => decode(m[1]!));
}

/** The `href` of the link with `rel` (`next`, `prev`), decoded. */
export function relLink(html: string, rel: string): string | undefined {
  const href = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html)?.[1];
  return href === undefined ? undefined : decode(href);
}
