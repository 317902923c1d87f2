// The admin's account pages: the password change page, and the idle timeout of its sessions.
import { createTestClient, type TestClient } from 'basalt/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApp } from './admin-app.js';
import { cookieOf, fieldError, makeUser, PASSWORD, postForm, signIn } from './helpers.js';

describe('admin account', () => {
  let client: TestClient<typeof adminApp.routes>;
  beforeAll(async () => {
    client = await createTestClient(adminApp);
  });
  afterAll(() => client.close());

  it('changes the password: errors beside the fields, then other sessions end and this one stays', async () => {
    const { email } = await makeUser(client);
    const browser = await signIn(client, email);
    const other = await signIn(client, email);
    const page = await browser.get('/admin/password_change');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<label for="id_oldPassword">Old password</label>');
    const wrong = await browser.post('/admin/password_change', {
      oldPassword: 'not it at all',
      newPassword1: 'a much better passphrase 42',
      newPassword2: 'a much better passphrase 42',
    });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong.text, 'oldPassword')).toBe('Your old password was entered incorrectly.');
    const mismatch = await browser.post('/admin/password_change', {
      oldPassword: PASSWORD,
      newPassword1: 'a much better passphrase 42',
      newPassword2: 'a much better passphrase 43',
    });
    expect(fieldError(mismatch.text, 'newPassword2')).toBe('The two password fields didn’t match.');
    const weak = await browser.post('/admin/password_change', {
      oldPassword: PASSWORD,
      newPassword1: 'short',
      newPassword2: 'short',
    });
    expect(weak.status).toBe(400);
    expect(fieldError(weak.text, 'newPassword1')).toBeTruthy();
    const forged = await browser.post(
      '/admin/password_change',
      { oldPassword: PASSWORD, newPassword1: 'x y z w v u t s', newPassword2: 'x y z w v u t s' },
      { token: null },
    );
    expect(forged.status).toBe(403);
    const done = await browser.post('/admin/password_change', {
      oldPassword: PASSWORD,
      newPassword1: 'a much better passphrase 42',
      newPassword2: 'a much better passphrase 42',
    });
    expect(done.status, done.text).toBe(303);
    const cookie = cookieOf(done)!;
    const home = await client.request({
      method: 'GET',
      url: '/admin/',
      headers: { cookie, accept: 'text/html' },
    });
    expect(home.status).toBe(200);
    expect(home.text).toContain('Your password was changed.');
    expect((await other.get('/admin/')).status).toBe(303);
    const oldLogin = await postForm(client, '/admin/login', { username: email, password: PASSWORD });
    expect(oldLogin.status).toBe(400);
    const newLogin = await postForm(client, '/admin/login', {
      username: email,
      password: 'a much better passphrase 42',
    });
    expect(newLogin.status).toBe(303);
  });

  it('signs out a session that has not used the admin for longer than the timeout', async () => {
    const { email } = await makeUser(client);
    const browser = await signIn(client, email);
    expect((await browser.get('/admin/')).status).toBe(200);
    // The session's record of the last use, set back three hours (the default timeout is two).
    const rows = await sql<{ id: number; data: string | object }>`select id, data from auth_session`.execute(
      client.db!.kysely,
    );
    for (const row of rows.rows) {
      const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
      if (typeof data['admin.seenAt'] !== 'number') continue;
      data['admin.seenAt'] -= 3 * 3600 * 1000;
      await sql`update auth_session set data = ${JSON.stringify(data)} where id = ${row.id}`.execute(
        client.db!.kysely,
      );
    }
    const res = await browser.get('/admin/book/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fbook%2F');
    const login = await client.request({
      method: 'GET',
      url: res.headers.location as string,
      headers: { cookie: cookieOf(res) ?? browser.cookie, accept: 'text/html' },
    });
    expect(login.text).toContain('Your session timed out: log in again.');
    // The old cookie no longer signs anyone in.
    expect((await browser.get('/admin/')).status).toBe(303);
  });
});
