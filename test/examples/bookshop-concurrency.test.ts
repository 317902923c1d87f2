import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from 'basalt';
import { getAuth } from 'basalt/auth';
import { createDatabase } from 'basalt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer, models, Order, OrderLine } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { freePort, killAll, ROOT, runBasalt, startBasalt } from '../cli/basalt-process.js';

const CWD = join(ROOT, 'examples', 'bookshop');
const SECRET_KEY = 'bookshop-concurrency-secret-key-0123456789abcdef';
const CUSTOMERS = 20;
const ORDERS = 200;

/** One POST over a new connection (no keep-alive pool), so the orders spread over both workers. */
function post(
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          ...headers,
          connection: 'close',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// The default deployment: SQLite, `basalt start --workers 2`. Before write transactions took
// the write lock up front, a burst of orders answered some 500 "database is locked": each
// order's transaction reads (customer, books) and then writes, and a deferred transaction whose
// snapshot another worker's commit made stale cannot wait for the lock, it fails at once.
describe('bookshop on SQLite with two worker processes', () => {
  let dir: string;
  let url: string;
  const tokens: string[] = [];
  const books: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-bookshop-concurrency-'));
    url = `sqlite:${join(dir, 'bookshop.db')}`;
    const env = { DATABASE_URL: url, SECRET_KEY };
    const migrated = await runBasalt(['migrate'], { cwd: CWD, env });
    expect(migrated.code, migrated.stderr + migrated.stdout).toBe(0);
    // Customers and their tokens are made here, not through POST /api/signup (rate limited to
    // 10 an hour per client); the server checks the tokens with the same SECRET_KEY.
    const app = await createApp(bookshop, { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } });
    try {
      const db = app.db!;
      const auth = getAuth(app);
      await seed(db, auth);
      books.push(...(await db.query(Book).all()).map((b) => b.id));
      for (let i = 0; i < CUSTOMERS; i++) {
        const email = `reader${i}@concurrency.test`;
        const user = await db.transaction(async (tx) => {
          const created = await auth.createUser(tx, { email, password: `password of reader ${i}!` });
          await tx.create(Customer, { name: `Reader ${i}`, email, userId: Number(created.id) });
          return created;
        });
        tokens.push((await auth.issueTokens(db, user)).access);
      }
    } finally {
      await app.stop();
    }
  }, 120_000);

  afterAll(async () => {
    await killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('places 200 concurrent orders with no 5xx, and every 201 is in the database', async () => {
    expect(books.length).toBeGreaterThan(2);
    const port = await freePort();
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], {
      cwd: CWD,
      env: { DATABASE_URL: url, SECRET_KEY },
    });
    await server.waitForOutput('with 2 workers', 60_000);

    const placed = await Promise.all(
      Array.from({ length: ORDERS }, (_, i) =>
        post(
          port,
          '/api/orders',
          {
            lines: [
              { bookId: books[i % books.length]!, quantity: 1 + (i % 3) },
              { bookId: books[(i + 1) % books.length]!, quantity: 1 },
            ],
          },
          { authorization: `Bearer ${tokens[i % CUSTOMERS]!}` },
        ),
      ),
    );

    const failed = placed.filter((r) => r.status >= 500);
    expect(failed.map((r) => `${r.status} ${r.body.slice(0, 160)}`)).toEqual([]);
    const statuses = new Map<number, number>();
    for (const r of placed) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 201: ORDERS });

    const answered = placed.map((r) => JSON.parse(r.body) as { id: number; total: string });
    const db = createDatabase({ url, models });
    try {
      const stored = await db
        .query(Order)
        .where({ id: { in: answered.map((o) => o.id) } })
        .all();
      expect(stored).toHaveLength(ORDERS);
      const byId = new Map(stored.map((o) => [o.id, o]));
      for (const order of answered) expect(byId.get(order.id)?.total).toBe(order.total);
      expect(await db.query(Order).count()).toBe(ORDERS);
      expect(await db.query(OrderLine).count()).toBe(ORDERS * 2);
    } finally {
      await db.close();
    }
    expect(server.output()).not.toMatch(/database is locked|SQLITE_BUSY/);
  }, 180_000);
});
