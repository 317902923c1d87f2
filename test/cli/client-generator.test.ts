import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { generateClient, type OpenApiDocument } from '../../src/cli/client/generate-client.js';
import { SchemaToTs } from '../../src/cli/client/schema-to-ts.js';

const toTs = new SchemaToTs((ref) => ref.split('/').at(-1) ?? 'unknown');

describe('SchemaToTs', () => {
  it('turns JSON Schema keywords into TypeScript types', () => {
    expect(toTs.type({ type: 'string' })).toBe('string');
    expect(toTs.type({ type: 'integer' })).toBe('number');
    expect(toTs.type({ type: ['string', 'null'] })).toBe('string | null');
    expect(toTs.type({ enum: ['a', 'b', 1] })).toBe('"a" | "b" | 1');
    expect(toTs.type({ const: 'placed' })).toBe('"placed"');
    expect(toTs.type({ anyOf: [{ $ref: '#/components/schemas/Book' }, { type: 'null' }] })).toBe(
      'Book | null',
    );
    expect(toTs.type({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } })).toBe(
      '(string | number)[]',
    );
    expect(toTs.type({ type: 'object', additionalProperties: { type: 'integer' } })).toBe(
      'Record<string, number>',
    );
    expect(toTs.type({})).toBe('unknown');
    expect(toTs.type(false)).toBe('never');
  });

  it('writes objects with optional members, quoted keys and descriptions', () => {
    const type = toTs.type({
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'integer' },
        'price[lt]': { type: 'string', description: 'Below this price' },
      },
    });
    expect(type).toBe('{\n  id: number;\n  /** Below this price */\n  "price[lt]"?: string;\n}');
  });
});

describe('generateClient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-client-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles strictly with names that clash with its own, odd keys and every kind of answer', () => {
    const document: OpenApiDocument = {
      info: { title: 'Odd API', version: '1' },
      components: {
        schemas: {
          Client: { type: 'object', properties: { 'x-y': { type: 'string', description: 'a */ comment' } } },
          'line item': { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
        },
      },
      paths: {
        '/things/{thing-id}': {
          parameters: [{ name: 'thing-id', in: 'path', required: true, schema: { type: 'string' } }],
          get: {
            parameters: [{ name: 'X-Trace', in: 'header', required: true, schema: { type: 'string' } }],
            responses: {
              '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Client' } } } },
              '404': { content: { 'application/problem+json': { schema: { type: 'object' } } } },
            },
          },
          delete: { responses: { '204': { description: 'Gone' } } },
          put: {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/line item' } } },
            },
            responses: { '200': { content: { 'text/plain': {} } }, default: { description: 'Error' } },
          },
        },
        '/report.pdf': { get: { responses: { '200': { content: { 'application/pdf': {} } } } } },
      },
    };
    const source = generateClient(document);
    expect(source).toContain('export type ClientSchema = {');
    expect(source).toContain('export type LineItem = {');
    writeFileSync(join(dir, 'odd-client.ts'), source);
    writeFileSync(
      join(dir, 'use.ts'),
      `import { createClient, type ClientSchema, type LineItem } from './odd-client.js';
const api = createClient({ baseUrl: '' });
export async function run(): Promise<[ClientSchema | undefined, string | undefined, Blob | undefined]> {
  const thing = await api.get('/things/{thing-id}', { params: { 'thing-id': 'a' }, headers: { 'x-trace': 't' } });
  const body: LineItem = { n: 1 };
  const put = await api.put('/things/{thing-id}', { params: { 'thing-id': 'a' }, body });
  await api.delete('/things/{thing-id}', { params: { 'thing-id': 'a' } });
  const pdf = await api.get('/report.pdf');
  return [thing.ok ? thing.data : undefined, put.ok ? put.data : undefined, pdf.ok ? pdf.data : undefined];
}
`,
    );
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const program = ts.createProgram([join(dir, 'use.ts')], {
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
    });
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  }, 60_000);
});
