import { createTestClient, type TestClient } from 'basalt/testing';
import { modelForm } from 'basalt/views';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Book, modelFormApp } from './model-form-app.js';

const ORIGIN = 'http://localhost';

describe('forms from models', () => {
  let client: TestClient<typeof modelFormApp.routes>;
  beforeAll(async () => {
    client = await createTestClient(modelFormApp);
  });
  afterAll(() => client.close());

  const post = (fields: Record<string, string>) =>
    client.request({
      method: 'POST',
      url: '/books/new',
      payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, accept: 'text/html' },
    });

  it('renders a fitting widget, label and help text for every field of the model', async () => {
    const res = await client.request({ method: 'GET', url: '/books/new', headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = res.text;
    expect(html).toContain('<label for="field-title">Title</label>');
    expect(html).toContain(
      '<input type="text" id="field-title" name="title" required aria-describedby="field-title-help" value="" maxlength="100">',
    );
    expect(html).toContain('<p class="help" id="field-title-help">As printed on the cover.</p>');
    expect(html).toMatch(
      /<select id="field-genre" name="genre" required><option value="novel">Novel<\/option><option value="poetry">Poetry<\/option><option value="essay">Essay<\/option><\/select>/,
    );
    expect(html).toContain('<input type="number" step="1" id="field-pages" name="pages" required value="">');
    expect(html).toContain('<textarea id="field-summary" name="summary"></textarea>');
    expect(html).toContain('<label for="field-publishedOn">Published on</label>');
    expect(html).toContain('<input type="date" id="field-publishedOn" name="publishedOn" value="">');
    expect(html).toContain('<input type="checkbox" id="field-inPrint" name="inPrint"> In print');
  });

  it('re-renders field errors of the schema beside their fields, with the values typed, escaped', async () => {
    const before = await client.db!.query(Book).count();
    const res = await post({ title: '<script>alert(1)</script>', genre: 'cookbook', pages: 'many' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('<p class="error" id="field-genre-error">Select a valid choice.</p>');
    expect(res.text).toContain('<p class="error" id="field-pages-error">Enter a whole number.</p>');
    expect(res.text).toContain('aria-invalid="true"');
    expect(await client.db!.query(Book).count()).toBe(before);
  });

  it("validates with the model's own validators and shows their message beside the field", async () => {
    const before = await client.db!.query(Book).count();
    const res = await post({ title: 'A Forbidden Book', genre: 'novel', pages: '120' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<p class="error" id="field-title-error">No forbidden titles.</p>');
    expect(res.text).toContain('value="A Forbidden Book"');
    expect(res.text).toContain('<option value="novel" selected>Novel</option>');
    expect(await client.db!.query(Book).count()).toBe(before);
  });

  it('writes a valid form through the model, a blank optional date as null, blank text as text, an unticked box as false', async () => {
    const res = await post({
      title: 'Ficciones',
      genre: 'novel',
      pages: '174',
      summary: '',
      publishedOn: '',
    });
    expect(res.status).toBe(303);
    const book = await client.db!.query(Book).where({ title: 'Ficciones' }).first();
    expect(book).toMatchObject({
      genre: 'novel',
      pages: 174,
      summary: '',
      publishedOn: null,
      inPrint: false,
    });
    expect(res.headers.location).toBe(`/books/${book!.id}`);
  });

  it('refuses a field that is not writable', () => {
    expect(() => modelForm(Book, { fields: ['id'] })).toThrow(/"id" is not a writable field/);
  });
});
