// The code blocks of docs/storage.md: each #region below is one block, verbatim
// (test/storage/docs.test.ts checks they match, then runs them).
import { defineApp, PermissionDeniedError } from 'basalt';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { get, post, t } from 'basalt/http';
import { storage } from 'basalt/storage';

// #region models
export const Book = defineModel('docs_book', {
  title: f.string({ max: 200 }),
  // Public images: `image/*` by default, width and height recorded, thumbnails made for them.
  cover: f.image({ optional: true, maxSize: 5 * 1024 * 1024 }),
});

export const Invoice = defineModel('docs_invoice', {
  number: f.string({ max: 20 }),
  customerId: f.integer(),
  // Private PDFs: stored in the 'private' storage, served only through signed URLs or endpoints.
  pdf: f.file({ optional: true, storage: 'private', accept: ['application/pdf'] }),
});
// #endregion

// #region upload
export const uploadCover = post(
  '/books/:id/cover',
  { params: t.Object({ id: t.Integer() }), streamBody: true },
  async (ctx) => {
    // Streams the multipart field `file` into the field's storage: 413 past maxSize,
    // 415 unless the magic bytes say image/*, a generated key, nothing left on failure.
    const { file } = await ctx.storage.upload(ctx, { for: Book.fields.cover });
    // The old cover is removed once this commits; the new one if it rolls back.
    const book = await ctx.storage.records.update(ctx.db, Book, ctx.params.id, { cover: file });
    return { cover: book.cover, thumbnail: ctx.storage.thumbnailUrl(file, '256x256') };
  },
);
// #endregion

// #region private
export const invoicePdf = get(
  '/invoices/:id/pdf',
  {
    params: t.Object({ id: t.Integer({ minimum: 1, maximum: 2_147_483_647 }) }),
    auth: 'required',
    // Declared for the OpenAPI document: a PDF, or a 403 for anyone else.
    response: { 200: t.Unsafe<unknown>({ contentMediaType: 'application/pdf' }) },
    problems: [403],
  },
  async (ctx) => {
    const invoice = await ctx.db.get(Invoice, ctx.params.id);
    const mayRead = invoice.customerId === ctx.user.id || (await ctx.auth.hasPermission('view_invoice'));
    if (!mayRead || !invoice.pdf) throw new PermissionDeniedError();
    // Content-Type, Content-Disposition (attachment, original name) and Range support.
    return ctx.storage.serve(ctx, invoice.pdf, { disposition: 'attachment' });
  },
);

export const invoiceLink = get(
  '/invoices/:id/link',
  { params: t.Object({ id: t.Integer() }), permissions: ['view_invoice'] },
  async (ctx) => {
    const invoice = await ctx.db.get(Invoice, ctx.params.id);
    if (!invoice.pdf) throw new PermissionDeniedError();
    // A link anyone holding it may use for 5 minutes (S3 presigned, or signed by Basalt).
    return { url: await ctx.storage.url(invoice.pdf, { expiresIn: 300, download: true }) };
  },
);
// #endregion

// #region module
export default defineApp({
  name: 'bookshop',
  modules: [auth(), storage({ storages: { private: { public: false } } })],
  models: [Book, Invoice],
  routes: [uploadCover, invoicePdf, invoiceLink],
});
// #endregion
