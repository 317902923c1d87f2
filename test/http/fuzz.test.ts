import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { getAuth, type TokenPair } from 'basalt/auth';
import { createTestClient, type TestResponse } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { seed } from '../../examples/bookshop/seed.js';

// A seeded, spec-driven fuzzer: every operation of the bookshop's OpenAPI document receives
// generated invalid (and some valid) input, with and without a staff token. Whatever it
// sends, the answer is below 500, a 4xx is problem+json, and a JSON 2xx matches its schema.
// A failure names its seed: BASALT_FUZZ_SEED=<seed> replays the run.

const SEED = Number(process.env.BASALT_FUZZ_SEED ?? 20_261_204);
const CASES_PER_OPERATION = Number(process.env.BASALT_FUZZ_CASES ?? 30);
const PASSWORD = 'a long enough fuzzing password';

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  $ref?: string;
  format?: string;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** mulberry32: small, fast and deterministic. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Generator {
  readonly #next: () => number;
  readonly #components: Record<string, Schema>;

  constructor(seed: number, components: Record<string, Schema>) {
    this.#next = random(seed);
    this.#components = components;
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)]!;
  }

  int(max: number): number {
    return Math.floor(this.#next() * max);
  }

  resolve(schema: Schema | undefined): Schema {
    if (!schema) return {};
    if (schema.$ref) return this.resolve(this.#components[schema.$ref.split('/').pop()!]);
    return schema;
  }

  /** A value of no particular type, chosen to break things. */
  hostile(): unknown {
    return this.pick<() => unknown>([
      () => null,
      () => 'x'.repeat(100_000),
      () => '\u0000\u202e\ud83d\ude00\u3002\uff0f𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      () => '\ud800',
      () => -1,
      () => -(2 ** 63),
      () => 1e308,
      () => 2 ** 53 + 1,
      () => 0.5,
      () => Number.MAX_SAFE_INTEGER,
      () => true,
      () => [],
      () => [1, 'a', null],
      () => ({}),
      () => ({ nested: { deeper: ['x'] } }),
      () => '',
      () => '1; DROP TABLE books; --',
      () => '<script>alert(1)</script>',
      () => '../../etc/passwd',
      () => '2026-13-45T99:99:99Z',
      () => 'not-an-email',
    ])();
  }

  /** A value meant to match `schema` (so the request reaches deeper), with no guarantee. */
  plausible(raw: Schema | undefined, depth = 0): unknown {
    const schema = this.resolve(raw);
    if (depth > 4) return null;
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches) return this.plausible(this.pick(branches), depth + 1);
    if (schema.enum) return this.pick(schema.enum);
    if ('const' in schema) return schema.const;
    const type = Array.isArray(schema.type) ? this.pick(schema.type) : schema.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(schema.properties ?? {}))
          if (schema.required?.includes(name) || this.chance(0.5))
            out[name] = this.plausible(property, depth + 1);
        return out;
      }
      case 'array':
        return Array.from({ length: this.int(3) }, () => this.plausible(schema.items, depth + 1));
      case 'integer':
        return this.pick([1, 2, 3, 0, 42]);
      case 'number':
        return this.pick([1, 9.99, 0]);
      case 'boolean':
        return this.chance(0.5);
      case 'null':
        return null;
      case 'string':
        if (schema.format === 'email') return `fuzz${this.int(1e6)}@example.test`;
        if (schema.format === 'date-time') return '2026-01-02T03:04:05Z';
        if (schema.format === 'date') return '2026-01-02';
        if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
        if (typeof schema.pattern === 'string' && /\\d|\[0-9\]/.test(schema.pattern)) return '9780316229265';
        return this.pick(['Fuzz', 'a title', '10.99', 'x']);
      default:
        return this.hostile();
    }
  }

  /** A mutation of a plausible body: one field wrong, missing or extra, or the whole body wrong. */
  body(raw: Schema | undefined): { payload: unknown; raw?: string; contentType?: string } {
    const schema = this.resolve(raw);
    const base = this.plausible(schema);
    const roll = this.int(10);
    if (roll === 0) return { payload: this.hostile() };
    if (roll === 1)
      return { payload: undefined, raw: this.pick(['{', '{"a":', '\u0000', '[1,', '{"a":1}}', '\ud800"']) };
    if (roll === 2)
      return {
        payload: undefined,
        raw: 'title=x',
        contentType: this.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']),
      };
    if (typeof base !== 'object' || base === null || Array.isArray(base)) return { payload: base };
    const object = base as Record<string, unknown>;
    const names = Object.keys(this.resolve(schema).properties ?? {});
    const field = names.length > 0 ? this.pick(names) : 'extra';
    if (roll === 3) delete object[field];
    else if (roll === 4) object[`unknown_${this.int(100)}`] = this.hostile();
    else if (roll === 5) return { payload: [object] };
    else if (roll >= 6) object[field] = this.hostile();
    return { payload: object };
  }

  /** A path segment: a plausible id or something hostile, already in URL form. */
  pathSegment(): string {
    return this.pick([
      '1',
      '2',
      '999999',
      '-1',
      '0',
      '1.5',
      'abc',
      '99999999999999999999999',
      'x'.repeat(2000),
      '%ED%A0%80',
      '%00',
      '%E3%80%82',
      '..%2F..%2Fetc',
      encodeURIComponent('\u202e😀'),
      'null',
      '%',
    ]);
  }

  queryValue(schema: Schema | undefined): string {
    if (this.chance(0.3)) return encode(String(this.plausible(schema)));
    return this.pick([
      '-1',
      '1e309',
      '99999999999999999999',
      'abc',
      '',
      encodeURIComponent('x'.repeat(10_000)),
      '%ED%A0%80',
      '%zz',
      encodeURIComponent('\u0000\ud83d\ude00'),
      'null',
      '[]',
      encodeURIComponent('{"a":1}'),
    ]);
  }
}

let dir: string;
let client: Awaited<ReturnType<typeof createTestClient>>;
let staff: string;
let document: Document;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'basalt-fuzz-'));
  client = await createTestClient(bookshop, {
    env: { STORAGE_URL: `file:${dir}/media`, STORAGE_PRIVATE_URL: `file:${dir}/private` },
  });
  await seed(client.app.db!, getAuth(client.app));
  await getAuth(client.app).createUser(client.db!, {
    email: 'fuzz-staff@bookshop.test',
    password: PASSWORD,
    isStaff: true,
    isSuperuser: true,
  });
  const token = await client.request({
    method: 'POST',
    url: '/auth/token',
    payload: { email: 'fuzz-staff@bookshop.test', password: PASSWORD },
  });
  expect(token.status).toBe(200);
  staff = `Bearer ${(token.body as TokenPair).access}`;
  document = client.app.openapi() as unknown as Document;
});
afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('spec-driven fuzzing of the bookshop API', () => {
  it('answers every generated request below 500, errors as problem+json, successes as documented', async () => {
    const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
    addFormats.default(ajv);
    const components = document.components?.schemas ?? {};
    const validators = new Map<Schema, ReturnType<Ajv['compile']>>();
    const validate = (schema: Schema) => {
      let compiled = validators.get(schema);
      if (!compiled) {
        compiled = ajv.compile({ ...schema, components: { schemas: components } });
        validators.set(schema, compiled);
      }
      return compiled;
    };

    const failures: string[] = [];
    let sent = 0;
    let operationIndex = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        operationIndex += 1;
        for (const authorization of [undefined, staff]) {
          const seed = SEED + operationIndex * 1000 + (authorization ? 500 : 0);
          const gen = new Generator(seed, components);
          for (let i = 0; i < CASES_PER_OPERATION; i += 1) {
            const url = buildUrl(gen, path, operation.parameters ?? []);
            const jsonBody = operation.requestBody?.content['application/json'];
            const hasBody = operation.requestBody !== undefined || (method !== 'get' && gen.chance(0.3));
            const body = hasBody ? gen.body(jsonBody?.schema) : undefined;
            const headers: Record<string, string> = {};
            if (authorization) headers.authorization = authorization;
            if (body?.contentType) headers['content-type'] = body.contentType;
            else if (body?.raw !== undefined) headers['content-type'] = 'application/json';
            let res: TestResponse;
            try {
              res = await client.request({
                method: method.toUpperCase() as 'GET',
                url,
                headers,
                ...(body?.raw !== undefined
                  ? { payload: body.raw as never }
                  : body && body.payload !== undefined
                    ? { payload: body.payload as never }
                    : {}),
              });
            } catch (error) {
              failures.push(
                `seed ${seed} case ${i}: ${method.toUpperCase()} ${url.slice(0, 200)} threw ${(error as Error).message}`,
              );
              continue;
            }
            sent += 1;
            const where = `seed ${seed} case ${i}: ${method.toUpperCase()} ${url.slice(0, 200)} → ${res.status}`;
            const type = String(res.headers['content-type'] ?? '');
            if (res.status >= 500) failures.push(`${where} ${res.text.slice(0, 300)}`);
            else if (res.status >= 400 && !type.startsWith('application/problem+json'))
              failures.push(`${where} not problem+json (${type})`);
            else if (res.status >= 200 && res.status < 300 && type.startsWith('application/json')) {
              const schema = operation.responses[String(res.status)]?.content?.['application/json']?.schema;
              if (!schema) failures.push(`${where} has no documented schema`);
              else if (!validate(schema)(JSON.parse(res.text)))
                failures.push(
                  `${where} body does not match its schema: ${ajv.errorsText(validate(schema).errors)}`,
                );
            }
          }
        }
      }
    }
    expect(operationIndex).toBeGreaterThan(10);
    expect(sent).toBeGreaterThan(operationIndex * CASES_PER_OPERATION);
    expect(failures).toEqual([]);
  }, 120_000);
});

function buildUrl(gen: Generator, path: string, parameters: readonly Parameter[]): string {
  const filled = path.replace(/\{([^}]+)\}/g, () => gen.pathSegment());
  const query: string[] = [];
  for (const parameter of parameters) {
    if (parameter.in !== 'query') continue;
    if (parameter.required || gen.chance(0.3))
      query.push(`${encodeURIComponent(parameter.name)}=${gen.queryValue(parameter.schema)}`);
  }
  if (gen.chance(0.1)) query.push(`unknown${gen.int(10)}=${gen.queryValue(undefined)}`);
  return query.length > 0 ? `${filled}?${query.join('&')}` : filled;
}

/** encodeURIComponent, with a lone surrogate sent as the bytes a careless client would send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}
