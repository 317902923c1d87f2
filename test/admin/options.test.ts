// The admin's per-model options (relation and computed columns, date ranges, fieldsets,
// widget and page overrides) and the list's bulk tools (delete with its cascade, custom
// actions, CSV export, relation autocomplete), on a real SQLite app.
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import type { adminApp } from './admin-app.js';
import { type Browser, decode, listedLinks, makeUser, signIn } from './helpers.js';
import { Lock, Note, optionsApp, Shelf, Tag, Volume } from './options-app.js';

type Client = TestClient<typeof adminApp.routes>;

// The same suite on SQLite and on PostgreSQL (skipped without a server, required in CI).
const databases = [
  { name: 'SQLite', url: undefined, skip: false },
  { name: 'PostgreSQL', url: POSTGRES_URL, skip: !hasPostgres },
];

describe.each(databases)('admin options and bulk tools on $name', ({ url, skip }) => {
  let client: TestClient<typeof optionsApp.routes>;
  let su: Browser;
  const as = () => client as unknown as Client;
  beforeAll(async () => {
    if (skip) return;
    client = await createTestClient(optionsApp, url ? { database: { url } } : {});
    su = await signIn(as(), (await makeUser(as(), { superuser: true })).email);
  });
  afterAll(() => client?.close());
  // PostgreSQL is absent here: every case is skipped (BASALT_REQUIRE_SERVICES makes it a failure).
  if (skip) return void it.skip('needs PostgreSQL', () => undefined);

  const db = () => client.db!;
  const shelf = (name: string) => db().create(Shelf, { name }) as Promise<{ id: number }>;
  const volume = (data: Record<string, unknown>) =>
    db().create(Volume, { title: 'V', ...data } as never) as Promise<{ id: number; title: string }>;

  describe('list columns and filters', () => {
    it('shows a relation column as the related object’s label, linked, and a computed column', async () => {
      const s = await shelf('Poetry <b>');
      await volume({ title: 'Odes', shelfId: s.id });
      const res = await su.get('/admin/volume/?q=Odes');
      expect(res.status).toBe(200);
      expect(res.text).toContain(`<a href="/admin/shelf/${s.id}/change">Poetry &lt;b&gt;</a>`);
      expect(res.text).toContain('<td>ODES</td>');
      expect(listedLinks(res.text)).toEqual(['Odes']);
    });

    it('filters dates and datetimes by a from–to range, and refuses a bad date with a 400', async () => {
      await volume({ title: 'Early', releasedOn: '2020-01-05', scannedAt: new Date('2020-01-05T23:30:00Z') });
      await volume({ title: 'Late', releasedOn: '2024-06-01', scannedAt: new Date('2024-06-01T00:10:00Z') });
      const early = await su.get(
        '/admin/volume/?releasedOn%5Bgte%5D=2019-01-01&releasedOn%5Blte%5D=2020-12-31',
      );
      expect(listedLinks(early.text)).toEqual(['Early']);
      // A datetime range covers whole days: 23:30 on the last day is in.
      const scanned = await su.get(
        '/admin/volume/?scannedAt%5Bgte%5D=2020-01-05&scannedAt%5Blte%5D=2020-01-05',
      );
      expect(listedLinks(scanned.text)).toEqual(['Early']);
      const late = await su.get('/admin/volume/?releasedOn%5Bgte%5D=2024-01-01');
      expect(listedLinks(late.text)).toEqual(['Late']);
      expect(early.text).toContain('name="releasedOn[gte]" value="2019-01-01"');
      const bad = await su.get('/admin/volume/?releasedOn%5Bgte%5D=yesterday');
      expect(bad.status).toBe(400);
      expect(decode(bad.text)).toContain('releasedOn[gte]: must be a date (YYYY-MM-DD)');
    });
  });

  describe('forms', () => {
    it('groups fields in fieldsets, leaves out fields in none, and uses the widget override', async () => {
      const v = await volume({ title: 'Grouped "one"', code: 'X1' });
      const res = await su.get(`/admin/volume/${v.id}/change`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<legend>Dates</legend><p class="help">When it came out</p>');
      expect(res.text).toContain(
        `<input type="text" class="big-title" id="id_title" name="title" value="Grouped &quot;one&quot;">`,
      );
      // `code` is in no fieldset: neither shown nor written by the form.
      expect(res.text).not.toContain('name="code"');
      const version = /name="_version" value="([^"]+)"/.exec(res.text)![1]!;
      const saved = await su.post(`/admin/volume/${v.id}/change`, {
        _version: decode(version),
        title: 'Regrouped',
        shelfId: '',
        releasedOn: '2021-02-03',
        scannedAt: '',
      });
      expect(saved.status, saved.text).toBe(303);
      const row = await db().get(Volume, v.id);
      expect(row).toMatchObject({ title: 'Regrouped', code: 'X1', releasedOn: '2021-02-03' });
    });

    it('renders a relation field as an id input with a search of the related model and a link to its list', async () => {
      const res = await su.get('/admin/volume/add');
      expect(res.text).toContain('data-autocomplete="/admin/shelf/autocomplete"');
      expect(res.text).toContain('list="id_shelfId_choices"');
      expect(res.text).toContain('<a href="/admin/shelf/" target="_blank" rel="noopener" class="lookup">');
    });

    it('wraps a page with the page override', async () => {
      const v = await volume({ title: 'Kept' });
      const res = await su.get(`/admin/volume/${v.id}/history`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<p class="custom-note">Kept for ten years.</p>');
    });
  });

  describe('inlines', () => {
    it('shows a page of the children in the parent’s form and adds, changes and deletes them with it', async () => {
      const v = await volume({ title: 'With notes' });
      const notes: { id: number }[] = [];
      for (let i = 0; i < 5; i++)
        notes.push(
          (await db().create(Note, { text: `note ${i}`, volumeId: v.id } as never)) as { id: number },
        );
      const form = await su.get(`/admin/volume/${v.id}/change`);
      expect(form.status).toBe(200);
      expect(form.text).toContain('<legend>Notes</legend>');
      // Three a page: notes 0-2, a link to the next page, one blank row.
      expect(form.text).toContain('name="notes-2-text" value="note 2"');
      expect(form.text).not.toContain('value="note 3"');
      expect(form.text).toContain('name="notes-new-0-text"');
      const nextHref = /<a rel="next" href="([^"]+)#inline_notes"/.exec(form.text)![1]!;
      const second = await su.get(decode(nextHref));
      expect(second.text).toContain('name="notes-0-text" value="note 3"');
      expect(second.text).toContain('name="notes-after"');
      const version = decode(/name="_version" value="([^"]+)"/.exec(second.text)![1]!);
      const saved = await su.post(`/admin/volume/${v.id}/change`, {
        _version: version,
        title: 'With notes',
        shelfId: '',
        releasedOn: '',
        scannedAt: '',
        'notes-after': String(notes[2]!.id),
        'notes-0-id': String(notes[3]!.id),
        'notes-0-text': 'note 3 changed',
        'notes-0-page': '7',
        'notes-1-id': String(notes[4]!.id),
        'notes-1-text': 'note 4',
        'notes-1-page': '1',
        'notes-1-DELETE': 'on',
        'notes-new-0-text': 'brand new',
        'notes-new-0-page': '9',
      });
      expect(saved.status, saved.text).toBe(303);
      const rows = (await db().query(Note).where({ volumeId: v.id }).orderBy('id').all()) as {
        text: string;
        page: number;
      }[];
      expect(rows.map((r) => [r.text, r.page])).toEqual([
        ['note 0', 1],
        ['note 1', 1],
        ['note 2', 1],
        ['note 3 changed', 7],
        ['brand new', 9],
      ]);
    });

    it('shows a refused child beside its field and writes neither the parent nor any child', async () => {
      const v = await volume({ title: 'Strict' });
      const n = (await db().create(Note, { text: 'fine', volumeId: v.id } as never)) as { id: number };
      const form = await su.get(`/admin/volume/${v.id}/change`);
      const version = decode(/name="_version" value="([^"]+)"/.exec(form.text)![1]!);
      const res = await su.post(`/admin/volume/${v.id}/change`, {
        _version: version,
        title: 'Strict renamed',
        shelfId: '',
        releasedOn: '',
        scannedAt: '',
        'notes-0-id': String(n.id),
        'notes-0-text': 'still fine',
        'notes-0-page': '1',
        'notes-new-0-text': 'a forbidden note',
        'notes-new-0-page': '1',
      });
      expect(res.status).toBe(400);
      expect(decode(res.text)).toContain(
        '<p class="errorlist" id="err_notes-new-0-text">No forbidden notes</p>',
      );
      expect(res.text).toContain('value="a forbidden note"');
      expect((await db().get(Volume, v.id)).title).toBe('Strict');
      expect((await db().get(Note, n.id)).text).toBe('fine');
      expect(await db().query(Note).where({ volumeId: v.id }).count()).toBe(1);
    });
  });

  describe('bulk delete', () => {
    it('lists what will cascade, what is unlinked, then deletes the selection when confirmed', async () => {
      const a = await shelf('Doomed A');
      const b = await shelf('Doomed B');
      const v1 = await volume({ title: 'In A', shelfId: a.id });
      await volume({ title: 'In B', shelfId: b.id });
      await db().create(Note, { text: 'n1', volumeId: v1.id } as never);
      await db().create(Note, { text: 'n2', volumeId: v1.id } as never);
      const tag = (await db().create(Tag, { name: 't', shelfId: a.id } as never)) as { id: number };
      const ask = await su.post('/admin/shelf/actions', {
        action: 'delete_selected',
        ids: [String(a.id), String(b.id)],
      });
      expect(ask.status).toBe(200);
      const text = decode(ask.text);
      expect(text).toContain('Are you sure you want to delete these 2 shelves?');
      expect(text).toContain('2 volumes (through “shelf”)');
      expect(text).toContain('2 notes (through “volume”)');
      expect(text).toContain('1 tag (“shelf” set to empty)');
      expect(ask.text).toContain('Yes, delete');
      expect(await db().query(Shelf).where({ id: a.id }).first()).toBeDefined();
      const done = await su.post('/admin/shelf/actions', {
        action: 'delete_selected',
        ids: [String(a.id), String(b.id)],
        confirm: 'yes',
      });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/admin/shelf/');
      expect(
        await db()
          .query(Shelf)
          .where({ id: { in: [a.id, b.id] } })
          .count(),
      ).toBe(0);
      expect(await db().query(Note).where({ volumeId: v1.id }).count()).toBe(0);
      expect((await db().get(Tag, tag.id)).shelfId).toBeNull();
      expect((await su.get('/admin/shelf/')).text).toContain('Deleted 2 shelves.');
    });

    it('refuses to delete a protected row: no button, and a forced confirmation is a 409 writing nothing', async () => {
      const s = await shelf('Locked');
      await db().create(Lock, { name: 'padlock', shelfId: s.id } as never);
      const ask = await su.get(`/admin/shelf/${s.id}/delete`);
      expect(decode(ask.text)).toContain('1 lock (through “shelf”)');
      expect(ask.text).not.toContain('Yes, delete');
      const forced = await su.post(`/admin/shelf/${s.id}/delete`, {});
      expect(forced.status).toBe(409);
      const bulk = await su.post('/admin/shelf/actions', {
        action: 'delete_selected',
        ids: [String(s.id)],
        confirm: 'yes',
      });
      expect(bulk.status).toBe(409);
      expect(await db().query(Shelf).where({ id: s.id }).first()).toBeDefined();
    });

    it('needs the delete permission, a selection and the CSRF token', async () => {
      const s = await shelf('Guarded');
      const { email } = await makeUser(as(), { permissions: ['view_shelf', 'change_shelf'] });
      const viewer = await signIn(as(), email);
      const list = await viewer.get('/admin/shelf/');
      expect(list.text).not.toContain('Delete selected');
      const refused = await viewer.post('/admin/shelf/actions', {
        action: 'delete_selected',
        ids: [String(s.id)],
      });
      expect(refused.status).toBe(403);
      const forged = await su.post(
        '/admin/shelf/actions',
        { action: 'delete_selected', ids: [String(s.id)], confirm: 'yes' },
        { token: null },
      );
      expect(forged.status).toBe(403);
      const none = await su.post('/admin/shelf/actions', { action: 'delete_selected' });
      expect(none.status).toBe(303);
      expect((await su.get('/admin/shelf/')).text).toContain(
        'Select the items to act on: nothing was changed.',
      );
      const unknown = await su.post('/admin/shelf/actions', { action: 'explode', ids: [String(s.id)] });
      expect(unknown.status).toBe(400);
      expect(await db().query(Shelf).where({ id: s.id }).first()).toBeDefined();
    });
  });

  describe('custom actions', () => {
    it('runs on the selected ids and flashes its message; a refusal is shown as an error', async () => {
      const v = await volume({ title: 'quiet' });
      const list = await su.get('/admin/volume/');
      expect(list.text).toContain('<option value="shout">Upper-case the titles</option>');
      const res = await su.post('/admin/volume/actions', { action: 'shout', ids: [String(v.id)] });
      expect(res.status).toBe(303);
      expect((await db().get(Volume, v.id)).title).toBe('QUIET');
      expect((await su.get('/admin/volume/')).text).toContain('Shouted 1 title(s).');
      const refused = await su.post('/admin/volume/actions', { action: 'refuse', ids: [String(v.id)] });
      expect(refused.status).toBe(303);
      expect((await su.get('/admin/volume/')).text).toContain('These volumes cannot be refused today');
    });
  });

  describe('CSV export', () => {
    it('streams every page of the filtered list, with formula-like cells escaped', async () => {
      const s = await shelf('Export shelf');
      for (let i = 0; i < 520; i++)
        await volume({ title: `Bulk ${String(i).padStart(3, '0')}`, shelfId: s.id });
      await volume({ title: '=HYPERLINK("http://evil.test")', shelfId: s.id });
      await volume({ title: '@SUM(1,2)', shelfId: s.id });
      const res = await su.get(`/admin/volume/export.csv?shelfId=${s.id}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="volume.csv"');
      const lines = res.text
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      expect(lines[0]).toBe('Title,Shelf,Released on,loud,Code');
      expect(lines).toHaveLength(1 + 522);
      expect(lines[1]).toBe('Bulk 000,Export shelf,,BULK 000,');
      expect(lines).toContain(
        `"'=HYPERLINK(""http://evil.test"")",Export shelf,,"'=HYPERLINK(""HTTP://EVIL.TEST"")",`,
      );
      expect(lines).toContain(`"'@SUM(1,2)",Export shelf,,"'@SUM(1,2)",`);
      const bad = await su.get('/admin/volume/export.csv?kind=poster');
      expect(bad.status).toBe(400);
      const anonymous = await client.request({ method: 'GET', url: '/admin/volume/export.csv' });
      expect(anonymous.status).toBe(401);
    });
  });

  describe('relation autocomplete', () => {
    it('answers matching objects as JSON, through the model’s permissions', async () => {
      const s = await shelf('Atlas corner');
      const res = await su.get('/admin/shelf/autocomplete?q=atlas');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual([{ id: s.id, label: 'Atlas corner' }]);
      expect(JSON.parse((await su.get(`/admin/shelf/autocomplete?q=${s.id}`)).text)).toEqual([
        { id: s.id, label: 'Atlas corner' },
      ]);
      const { email } = await makeUser(as(), { permissions: ['view_volume'] });
      const other = await signIn(as(), email);
      expect((await other.get('/admin/shelf/autocomplete?q=atlas')).status).toBe(403);
    });
  });
});
