/** What an invoice shows of an order and its lines. */
interface InvoiceOrder {
  id: number;
  total: string;
  createdAt: Date;
}
interface InvoiceLine {
  quantity: number;
  unitPrice: string;
  book: { title: string };
}

const pdfText = (text: string) => text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');

/** A one-page PDF invoice, written by hand (PDF 1.4, Helvetica): no dependency needed. */
export function invoicePdf(order: InvoiceOrder, lines: readonly InvoiceLine[]): Buffer {
  const rows = [
    `Bookshop invoice for order ${order.id}`,
    `Date: ${order.createdAt.toISOString().slice(0, 10)}`,
    '',
    ...lines.map((l) => `${l.quantity} x ${l.book.title} at ${l.unitPrice}`),
    '',
    `Total: ${order.total} EUR`,
  ];
  const text = rows.map((row, i) => `BT /F1 12 Tf 50 ${760 - i * 18} Td (${pdfText(row)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
