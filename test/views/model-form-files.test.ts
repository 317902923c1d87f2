// Model forms with a file field (stored through basalt/storage) and a to-many field (a multiple select).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { views } from '../../src/views/index.js';
import { type StorageTestApp, startStorageApp } from '../storage/support/app.js';
import { PNG_1X1 } from '../storage/support/files.js';
import { Album, albumRoutes, Genre } from './album-app.js';

async function stored(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((p) => !p.startsWith('.basalt'));
}

describe('model forms with files and to-many fields', () => {
  let s: StorageTestApp;
  let genres: number[];
  const media = () => join(s.dir, 'media');
  beforeAll(async () => {
    s = await startStorageApp({
      routes: albumRoutes,
      models: [Genre, Album],
      modules: [views({ static: false })],
    });
    genres = [];
    for (const name of ['Jazz', 'Folk', '<b>Noise</b>'])
      genres.push((await s.app.db!.create(Genre, { name })).id);
  });
  afterAll(() => s.close());

  const post = (
    fields: Record<string, string | string[]>,
    file?: { bytes: Uint8Array; name: string; type: string },
  ) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields))
      for (const v of Array.isArray(value) ? value : [value]) data.append(name, v);
    if (file) data.append('cover', new Blob([file.bytes], { type: file.type }), file.name);
    else data.append('cover', new Blob([], { type: 'application/octet-stream' }), '');
    return s.fetch('/albums/new', { method: 'POST', body: data, redirect: 'manual' });
  };

  it('renders a file input and a multiple select with the options the page gives, escaped', async () => {
    const res = await s.fetch('/albums/new');
    const html = await res.text();
    expect(html).toContain('<input type="file" id="field-cover" name="cover" accept="image/*">');
    expect(html).toContain('<select id="field-genres" name="genres" multiple>');
    expect(html).toContain(`<option value="${genres[2]}">&lt;b&gt;Noise&lt;/b&gt;</option>`);
  });

  it('stores the file through storage and links the chosen rows', async () => {
    const res = await post(
      { title: 'Kind of Blue', genres: [String(genres[0]), String(genres[1])] },
      {
        bytes: PNG_1X1,
        name: 'cover.png',
        type: 'image/png',
      },
    );
    expect(res.status).toBe(303);
    const id = Number(res.headers.get('location')!.split('/').pop());
    const album = await s.app.db!.query(Album).include('genres').get(id);
    expect(album.cover).toMatchObject({ contentType: 'image/png', width: 1, height: 1, name: 'cover.png' });
    expect(album.genres.map((g: { id: number }) => g.id).sort()).toEqual([genres[0], genres[1]]);
    expect(await stored(media())).toContain(album.cover!.key);
  });

  it('re-renders a refused form with its errors and choices, and keeps no file of it', async () => {
    const before = await stored(media());
    const res = await post(
      { title: 'x'.repeat(101), genres: [String(genres[1])] },
      { bytes: PNG_1X1, name: 'c.png', type: 'image/png' },
    );
    const html = await res.text();
    expect(res.status, `${res.headers.get('location')} ${html}`).toBe(400);
    expect(html).toContain('<p class="error" id="field-title-error">Enter at most 100 characters.</p>');
    expect(html).toContain(`<option value="${genres[1]}" selected>Folk</option>`);
    expect(html).toContain(`<option value="${genres[0]}">Jazz</option>`);
    expect(await stored(media())).toEqual(before);
  });

  it('turns a file of the wrong kind or size into the field error, storing nothing', async () => {
    const before = await stored(media());
    const text = await post(
      { title: 'Notes' },
      { bytes: Buffer.from('just some text'), name: 'cover.png', type: 'image/png' },
    );
    expect(text.status).toBe(400);
    expect(await text.text()).toContain(
      'id="field-cover-error">This kind of file is not accepted (text/plain).</p>',
    );
    const big = Buffer.concat([PNG_1X1, Buffer.alloc(5_000)]);
    const large = await post({ title: 'Big' }, { bytes: big, name: 'big.png', type: 'image/png' });
    expect([400, 413]).toContain(large.status);
    if (large.status === 400) expect(await large.text()).toContain('The file is larger than');
    expect(await stored(media())).toEqual(before);
    expect(await s.app.db!.query(Album).where({ title: 'Notes' }).count()).toBe(0);
  });

  it('accepts a form without a file for an optional file field', async () => {
    const res = await post({ title: 'No cover' });
    expect(res.status, await res.clone().text()).toBe(303);
    const album = await s.app.db!.query(Album).where({ title: 'No cover' }).first();
    expect(album?.cover ?? null).toBeNull();
  });
});
