// The views suites (issue 21): a server-rendered storefront list page of 20 books with their
// authors, against the JSON list endpoint (the REST resource) on the same data, same list.
import { expect, requestJson } from '../lib/verify.js';

const LIST = '/books?include=author';

/** @type {import('./suite.js').Suite} */
export const storefrontList = {
  name: 'storefront-list',
  title: 'Storefront list page: 20 books with their authors as HTML, against the JSON list',
  description:
    `GET ${LIST} on PostgreSQL (10,000 books, 1,000 authors, schema bench_rest, pool of 10). ` +
    'json: the REST resource (`resource(Book, { include: [author] })`); page: a `page()` listing the same ' +
    'collection through the operation layer and rendering it with basalt/views (layout, a row component, ' +
    'a link and a price formatted by `view.i18n.currency` per row).',
  implementations: [
    { name: 'json', entry: 'bench/rest/basalt.ts', description: 'the JSON list endpoint (REST resource)' },
    { name: 'page', entry: 'bench/views/storefront-page.tsx', description: 'the server-rendered list page' },
  ],
  baselines: ['json'],
  target: { implementation: 'page', baseline: 'json', ratio: 0.8 },
  request: { method: 'GET', path: LIST },
  async verify(baseUrl, implementation) {
    const res = await requestJson(baseUrl + LIST);
    expect(
      res.status === 200,
      `${implementation}: GET ${LIST} answered ${res.status}: ${res.text.slice(0, 200)}`,
    );
    if (implementation === 'json') {
      const body = /** @type {{ results?: unknown[] }} */ (res.body);
      expect(body.results?.length === 20, `json: expected 20 results, got ${res.text.slice(0, 200)}`);
    } else {
      const rows = res.text.match(/<li><a href="\/books\/\d+">/g) ?? [];
      expect(rows.length === 20, `page: expected 20 rows, got ${rows.length}: ${res.text.slice(0, 300)}`);
      expect(res.text.includes('class="author">by '), `page: no author in ${res.text.slice(0, 300)}`);
    }
    return res.text.length;
  },
};
