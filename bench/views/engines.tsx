// Template engines compared in one process on the TechEmpower fortunes page and a 20-row list
// page: Basalt's TSX runtime (basalt/views), @kitajs/html's JSX runtime (as compiled TSX calls
// it) and Eta (autoEscape), against the hand-written template literal of bench/techempower.
// The competitors are not dependencies of Basalt: install them in a folder of their own and
// name it, e.g.
//   mkdir -p /tmp/tplbench && (cd /tmp/tplbench && npm init -y && npm install @kitajs/html eta)
//   BENCH_ENGINES_DIR=/tmp/tplbench node --conditions=basalt-source --import tsx bench/views/engines.tsx
// Without BENCH_ENGINES_DIR only Basalt and the template literal run.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Child, type Html, trustedHtml } from 'basalt/views';
import { escapeHtml, type Fortune, renderFortunes, withExtraFortune } from '../techempower/shared.js';

const FORTUNES: Fortune[] = withExtraFortune(
  [
    'fortune: No such file or directory',
    "A computer scientist is someone who fixes things that aren't broken.",
    'After enough decimal places, nobody gives a damn.',
    'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1',
    'A computer program does what you tell it to do, not what you want it to do.',
    'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen',
    'Any program that runs right is obsolete.',
    'A list is only as strong as its weakest link. — Donald Knuth',
    'Feature: A bug with seniority.',
    'Computers make very fast, very accurate mistakes.',
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    'フレームワークのベンチマーク',
  ].map((message, i) => ({ id: i + 1, message })),
);

interface Book {
  id: number;
  title: string;
  author: string;
  price: string;
  inStock: boolean;
}
const BOOKS: Book[] = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  title: `Book <${i}> & "friends"`,
  author: `Author ${i % 7}`,
  price: `${10 + i}.50`,
  inStock: i % 3 !== 0,
}));

// --- Basalt TSX -------------------------------------------------------------------------
function Layout({ title, children }: { title: string; children?: Child }): Html {
  return (
    // biome-ignore lint/a11y/useHtmlLang: the same markup as the fortunes template literal
    <html>
      <head>
        <title>{title}</title>
      </head>
      <body>{children}</body>
    </html>
  );
}
function basaltFortunes(fortunes: readonly Fortune[]): string {
  return `<!DOCTYPE html>${
    (
      <Layout title="Fortunes">
        <table>
          <tr>
            <th>id</th>
            <th>message</th>
          </tr>
          {fortunes.map((f) => (
            <tr>
              <td>{f.id}</td>
              <td>{f.message}</td>
            </tr>
          ))}
        </table>
      </Layout>
    ).value
  }`;
}
function BookRow({ book }: { book: Book }): Html {
  return (
    <tr class={book.inStock ? 'in-stock' : 'sold-out'}>
      <td>
        <a href={`/books/${book.id}`}>{book.title}</a>
      </td>
      <td>{book.author}</td>
      <td>{book.price}</td>
    </tr>
  );
}
function basaltList(books: readonly Book[]): string {
  return `<!DOCTYPE html>${
    (
      <Layout title="Books">
        <h1>Books</h1>
        <table>
          {books.map((book) => (
            <BookRow book={book} />
          ))}
        </table>
        {trustedHtml('<footer>&copy; Shop</footer>')}
      </Layout>
    ).value
  }`;
}

// --- template literal (the fortunes bench's own) -----------------------------------------
function literalList(books: readonly Book[]): string {
  let rows = '';
  for (const b of books)
    rows += `<tr class="${b.inStock ? 'in-stock' : 'sold-out'}"><td><a href="/books/${b.id}">${escapeHtml(b.title)}</a></td><td>${escapeHtml(b.author)}</td><td>${escapeHtml(b.price)}</td></tr>`;
  return `<!DOCTYPE html><html><head><title>Books</title></head><body><h1>Books</h1><table>${rows}</table><footer>&copy; Shop</footer></body></html>`;
}

type Render = (data: never) => string;
const engines: { name: string; fortunes: Render; list: Render }[] = [
  { name: 'template literal', fortunes: renderFortunes as Render, list: literalList as Render },
  { name: 'basalt/views TSX', fortunes: basaltFortunes as Render, list: basaltList as Render },
];

const dir = process.env.BENCH_ENGINES_DIR;
if (dir) {
  const require = createRequire(join(dir, 'package.json'));
  const load = async (name: string) => import(pathToFileURL(require.resolve(name)).href);
  // @kitajs/html as compiled TSX calls it: children are not escaped unless asked (`safe`).
  const kita = await load('@kitajs/html/jsx-runtime');
  const { jsx: k, jsxs: ks } = kita as {
    jsx: (tag: unknown, props: Record<string, unknown>) => string;
    jsxs: (tag: unknown, props: Record<string, unknown>) => string;
  };
  const kLayout = (p: { title: string; children?: unknown }) =>
    ks('html', {
      children: [
        k('head', { children: k('title', { safe: true, children: p.title }) }),
        k('body', { children: p.children }),
      ],
    });
  engines.push({
    name: '@kitajs/html JSX',
    fortunes: ((fortunes: readonly Fortune[]) =>
      `<!DOCTYPE html>${kLayout({
        title: 'Fortunes',
        children: ks('table', {
          children: [
            ks('tr', { children: [k('th', { children: 'id' }), k('th', { children: 'message' })] }),
            fortunes.map((f) =>
              ks('tr', {
                children: [k('td', { children: f.id }), k('td', { safe: true, children: f.message })],
              }),
            ),
          ],
        }),
      })}`) as Render,
    list: ((books: readonly Book[]) =>
      `<!DOCTYPE html>${kLayout({
        title: 'Books',
        children: [
          k('h1', { children: 'Books' }),
          k('table', {
            children: books.map((b) =>
              ks('tr', {
                class: b.inStock ? 'in-stock' : 'sold-out',
                children: [
                  k('td', { children: k('a', { href: `/books/${b.id}`, safe: true, children: b.title }) }),
                  k('td', { safe: true, children: b.author }),
                  k('td', { safe: true, children: b.price }),
                ],
              }),
            ),
          }),
          '<footer>&copy; Shop</footer>',
        ],
      })}`) as Render,
  });
  const { Eta } = (await load('eta')) as {
    Eta: new (
      options: object,
    ) => { loadTemplate(name: string, text: string): void; render(name: string, data: object): string };
  };
  const eta = new Eta({ autoEscape: true, useWith: false });
  eta.loadTemplate(
    '@fortunes',
    '<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr><% for (const f of it.fortunes) { %><tr><td><%= f.id %></td><td><%= f.message %></td></tr><% } %></table></body></html>',
  );
  eta.loadTemplate(
    '@list',
    '<!DOCTYPE html><html><head><title>Books</title></head><body><h1>Books</h1><table><% for (const b of it.books) { %><tr class="<%= b.inStock ? "in-stock" : "sold-out" %>"><td><a href="/books/<%= b.id %>"><%= b.title %></a></td><td><%= b.author %></td><td><%= b.price %></td></tr><% } %></table><%~ "<footer>&copy; Shop</footer>" %></body></html>',
  );
  engines.push({
    name: 'Eta (autoEscape)',
    fortunes: ((fortunes: readonly Fortune[]) => eta.render('@fortunes', { fortunes })) as Render,
    list: ((books: readonly Book[]) => eta.render('@list', { books })) as Render,
  });
}

/** Renders per second over `ms` of wall time, after a warm-up. */
function rate(render: () => string, ms: number): number {
  for (let i = 0; i < 5000; i += 1) render();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i += 1) render();
    count += 1000;
    now = performance.now();
  }
  return (count / (now - start)) * 1000;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const results = new Map<string, { fortunes: number[]; list: number[] }>();
for (const e of engines) results.set(e.name, { fortunes: [], list: [] });
// Rounds interleave the engines so that load from other processes falls on all of them.
for (let round = 0; round < ROUNDS; round += 1) {
  for (const e of engines) {
    results.get(e.name)!.fortunes.push(rate(() => e.fortunes(FORTUNES as never), 700));
    results.get(e.name)!.list.push(rate(() => e.list(BOOKS as never), 700));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = results.get('template literal')!;
console.log('engine                 fortunes/s  ×literal   list20/s  ×literal');
for (const [name, r] of results) {
  const f = median(r.fortunes);
  const l = median(r.list);
  console.log(
    `${name.padEnd(22)} ${Math.round(f).toString().padStart(10)} ${(f / median(base.fortunes)).toFixed(2).padStart(8)} ${Math.round(l).toString().padStart(10)} ${(l / median(base.list)).toFixed(2).padStart(8)}`,
  );
}
