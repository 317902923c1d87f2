import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrasApp, Shelf, Tag } from './extras-app.js';
import { cookieOf, decode, fieldError, PASSWORD, postForm, tokenOf } from './helpers.js';

describe('many-to-many pickers in the admin’s forms', () => {
  let client: TestClient<typeof extrasApp.routes>;
  let cookie: string;
  let token: string;
  const tags: Record<string, number> = {};
  beforeAll(async () => {
    client = await createTestClient(extrasApp);
    await getAuth(client.app).createUser(client.db!, {
      email: 'shelver@example.com',
      password: PASSWORD,
      isStaff: true,
      isSuperuser: true,
    });
    const login = await postForm(client as never, '/admin/login', {
      username: 'shelver@example.com',
      password: PASSWORD,
      next: '/admin/',
    });
    cookie = cookieOf(login)!;
    token = tokenOf((await get('/admin/')).text);
    // More tags than the picker lists at once (20): the others are added by id.
    for (let i = 0; i < 25; i += 1) {
      const name = `tag ${String(i).padStart(2, '0')}`;
      tags[name] = (await client.db!.create(Tag, { name })).id;
    }
  });
  afterAll(() => client.close());

  function get(url: string) {
    return client.request({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
  }
  const post = (url: string, fields: Record<string, string | string[]>) =>
    postForm(client as never, url, { csrf_token: token, ...fields }, { cookie });
  const setOf = async (id: number) =>
    ((await client.db!.query(Shelf).include('tags').get(id)).tags as { id: number }[])
      .map((t) => t.id)
      .sort((a, b) => a - b);
  const ticked = (html: string) =>
    [...html.matchAll(/<input type="checkbox" name="tags" value="(\d+)" checked>/g)].map((m) => Number(m[1]));

  it('sets, changes and clears a set without script', async () => {
    const add = await get('/admin/shelf/add');
    expect(add.status).toBe(200);
    // The first 20 tags as checkboxes, none ticked; an input adding more by id, searched with script.
    expect(add.text.match(/name="tags" value=/g)).toHaveLength(20);
    expect(add.text).toContain('data-autocomplete="/admin/tag/autocomplete"');
    const created = await post('/admin/shelf/add', {
      name: 'Fiction',
      tags: [String(tags['tag 00']), String(tags['tag 01'])],
      // tag 24 is not among the checkboxes shown: added by id.
      tags__add: String(tags['tag 24']),
    });
    expect(created.status, created.text).toBe(303);
    const change = created.headers.location as string;
    const id = Number(change.split('/')[3]);
    expect(await setOf(id)).toEqual([tags['tag 00'], tags['tag 01'], tags['tag 24']]);

    // The change form ticks the set, whatever page of tags its members are on.
    const form = await get(change);
    expect(ticked(form.text).sort((a, b) => a - b)).toEqual([tags['tag 00'], tags['tag 01'], tags['tag 24']]);
    expect(form.text).toContain('tag 24</label>');
    const version = decode(/name="_version" value="([^"]+)"/.exec(form.text)![1]!);
    const changed = await post(change, {
      name: 'Fiction',
      _version: version,
      tags: [String(tags['tag 01']), String(tags['tag 05'])],
    });
    expect(changed.status, changed.text).toBe(303);
    expect(await setOf(id)).toEqual([tags['tag 01'], tags['tag 05']]);

    // Nothing ticked: the set is emptied.
    const again = await get(change);
    const version2 = decode(/name="_version" value="([^"]+)"/.exec(again.text)![1]!);
    const cleared = await post(change, { name: 'Fiction', _version: version2 });
    expect(cleared.status, cleared.text).toBe(303);
    expect(await setOf(id)).toEqual([]);
  });

  it('refuses ids that are not ids beside the field, keeping the ticked ones', async () => {
    const res = await post('/admin/shelf/add', {
      name: 'Poetry',
      tags: [String(tags['tag 02'])],
      tags__add: 'tag 3; drop table',
    });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'tags')).toBe('Enter ids separated by commas.');
    expect(ticked(res.text)).toEqual([tags['tag 02']]);
    expect(await client.db!.query(Shelf).where({ name: 'Poetry' }).count()).toBe(0);
  });
});
