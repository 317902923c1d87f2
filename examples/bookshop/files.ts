import { get, post, t } from 'basalt';
import { operations } from 'basalt/ops';
import { requestActor } from 'basalt/rest';
import { orderCollection } from './api.js';
import { invoicePdf } from './invoice-pdf.js';
import { Book, Order, OrderLine } from './models.js';
import { Id } from './schemas.js';

const BookId = t.Object({ id: Id });
const OrderId = t.Object({ id: Id });
const Pixels = t.Integer({ minimum: 1, maximum: 2_147_483_647 });

const CoverAnswer = t.Object({
  cover: t.Object({
    key: t.String({ maxLength: 1024 }),
    width: t.Optional(Pixels),
    height: t.Optional(Pixels),
  }),
  // A signed or public URL of the file: the key plus the storage's prefix and a signature.
  url: t.String({ maxLength: 4096 }),
  thumbnail: t.String({ maxLength: 4096 }),
});

/**
 * Staff (change_book) upload a book's cover: a public image. Its thumbnails are made by a
 * background job (thumbnailTask, see tasks.ts) once the cover is saved; `thumbnail` works at
 * once all the same (a size asked for before the job ran is made on request).
 */
export const uploadCover = post(
  '/api/books/:id/cover',
  {
    tags: ['books'],
    summary: 'Upload the cover of a book (multipart/form-data, field "file")',
    description:
      'An image (checked from its content) of at most 5 MB. The previous cover is removed once ' +
      'the new one is saved; a refused upload leaves nothing behind. Thumbnails are made in the background.',
    params: BookId,
    permissions: ['change_book'],
    streamBody: true,
    response: { 200: CoverAnswer },
  },
  async (ctx) => {
    await ctx.db.get(Book, ctx.params.id);
    const { file } = await ctx.storage.upload(ctx, { for: Book.fields.cover, prefix: 'covers' });
    const book = await ctx.storage.records.update(ctx.db, Book, ctx.params.id, { cover: file });
    return {
      cover: book.cover!,
      url: await ctx.storage.url(file),
      thumbnail: ctx.storage.thumbnailUrl(file, '256x256'),
    };
  },
);

/** The invoice of an order: made (a small PDF) and stored privately on first request, then served. */
export const orderInvoice = get(
  '/api/orders/:id/invoice',
  {
    tags: ['orders'],
    summary: 'The invoice PDF of an order (its customer, staff or view_order; anyone else gets a 404)',
    description:
      'Made and stored privately on the first request, then served from the storage as an attachment.',
    params: OrderId,
    auth: 'required',
    response: {
      200: t.Unsafe<unknown>({ contentMediaType: 'application/pdf', description: 'The invoice, a PDF' }),
    },
  },
  async (ctx) => {
    // The orders collection decides who may read the order, as GET /api/orders/:id does.
    await operations(ctx.db).get(requestActor(ctx), orderCollection, ctx.params.id);
    let order = await ctx.db.get(Order, ctx.params.id);
    if (!order.invoice) {
      const lines = await ctx.db
        .query(OrderLine)
        .where({ order: { id: order.id } })
        .include('book')
        .all();
      const pdf = invoicePdf(order, lines);
      const file = await ctx.storage.get('private').save(pdf, {
        name: `invoice-${order.id}.pdf`,
        accept: ['application/pdf'],
        prefix: 'invoices',
      });
      order = await ctx.storage.records.update(ctx.db, Order, order.id, { invoice: file });
    }
    return ctx.storage.serve(ctx, order.invoice!, { disposition: 'attachment' });
  },
);
