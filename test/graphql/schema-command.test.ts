import { execFile } from 'node:child_process';
import { buildSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { BIN, ROOT } from '../cli/basalt-process.js';

// `basalt graphql schema` prints the SDL of the app's GraphQL schema, the one it serves.

function basalt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args, '--app', 'examples/bookshop/app.ts'],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn' }, timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('basalt graphql schema', () => {
  it("prints the bookshop's SDL: the schema /graphql serves", async () => {
    const { code, stdout } = await basalt(['graphql', 'schema']);
    expect(code).toBe(0);
    const served = bookshop.modules!.find((m) => m.name === 'graphql') as unknown as {
      schema: Parameters<typeof printSchema>[0];
    };
    expect(stdout.trim()).toBe(printSchema(served.schema).trim());
    const schema = buildSchema(stdout);
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual([
      'books',
      'book',
      'orders',
      'order',
      'me',
    ]);
    expect(Object.keys(schema.getSubscriptionType()!.getFields())).toEqual(['bookChanged', 'orderChanged']);
    expect(schema.getType('OrderEdge')).toBeDefined();
  }, 100_000);

  it('exits 2 with the usage for anything else', async () => {
    const { code, stderr } = await basalt(['graphql', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('basalt graphql schema');
  }, 100_000);
});
