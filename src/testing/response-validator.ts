import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { OpenApiDocument } from '../http/index.js';

// ajv-formats is CommonJS; under ESM interop its function may arrive wrapped in `default`.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

type Json = Record<string, unknown>;

/** One answer as the test client saw it. */
export interface CheckedResponse {
  method: string;
  /** The request's path, without its query string. */
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the text. */
  body: unknown;
  text: string;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Static segments first: `/jobs/stats` wins over `/jobs/{id}`. */
  params: number;
}

const DOCUMENT_ID = 'basalt:openapi';

/**
 * Checks answers against an app's OpenAPI document: the status is one the operation declares,
 * the body has a declared media type and matches its schema, the declared headers that are
 * `required` are present and every declared header sent matches its schema. Requests to paths
 * the document does not describe (the docs page, health checks, hidden endpoints) are not checked.
 */
export class ResponseValidator {
  readonly #document: OpenApiDocument;
  readonly #routes: Route[];
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    this.#document = document;
    this.#routes = [];
    for (const [template, methods] of Object.entries(document.paths)) {
      const names = template.match(/\{[^}]+\}/g) ?? [];
      const source = template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+');
      for (const method of Object.keys(methods))
        this.#routes.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}/?$`),
          params: names.length,
        });
    }
    this.#routes.sort((a, b) => a.params - b.params);
    this.#ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.#ajv);
    // OpenAPI's numeric formats, as the document uses them.
    this.#ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n <= 2 ** 31 - 1,
    });
    this.#ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.#ajv.addFormat('binary', true);
    this.#ajv.addSchema({ $id: DOCUMENT_ID, components: document.components } as Json);
  }

  /** The problems of one answer, each a sentence; empty when it matches the document. */
  check(response: CheckedResponse): string[] {
    const method = response.method.toUpperCase();
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(response.path));
    if (!route) return [];
    const operation = this.#document.paths[route.template]![route.method.toLowerCase()] as {
      responses?: Record<string, Json>;
    };
    const responses = operation.responses ?? {};
    const where = `${method} ${route.template}`;
    const status = String(response.status);
    const key =
      status in responses
        ? status
        : `${status[0]}XX` in responses
          ? `${status[0]}XX`
          : 'default' in responses
            ? 'default'
            : undefined;
    if (key === undefined) {
      return [
        `${where} answered ${status}, which its OpenAPI operation does not declare (declared: ${Object.keys(responses).join(', ')})`,
      ];
    }
    const declared = this.#resolve(responses[key]!);
    return [
      ...this.#checkBody(where, key, declared, response),
      ...this.#checkHeaders(where, key, declared, response),
    ];
  }

  #checkBody(where: string, key: string, declared: Json, response: CheckedResponse): string[] {
    const content = declared.content as Record<string, { schema?: Json }> | undefined;
    const sent = response.text.length > 0;
    if (!content) {
      return sent
        ? [`${where} answered ${response.status} with a body, but the document declares none for ${key}`]
        : [];
    }
    // A media type without a schema stands for any body, or none.
    if (!sent) {
      const described = Object.values(content).some((media) => media.schema !== undefined);
      return described
        ? [`${where} answered ${response.status} without a body, but the document declares one`]
        : [];
    }
    const type = String(response.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const media = content[type] ?? (type.endsWith('+json') ? undefined : content['*/*']);
    if (!media) {
      return [
        `${where} answered ${response.status} as ${type || 'no content type'}, but the document declares ${Object.keys(content).join(', ')}`,
      ];
    }
    if (!media.schema || !type.includes('json')) return [];
    const pointer = `${key}|${where}|${type}`;
    let validate = this.#compiled.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile(this.#anchored(media.schema));
      this.#compiled.set(pointer, validate);
    }
    if (validate(response.body)) return [];
    return [
      `${where} answered ${response.status} with a body its schema refuses: ${describe(validate.errors)}`,
    ];
  }

  #checkHeaders(where: string, key: string, declared: Json, response: CheckedResponse): string[] {
    const problems: string[] = [];
    const headers = (declared.headers ?? {}) as Record<string, Json>;
    for (const [name, reference] of Object.entries(headers)) {
      const header = this.#resolve(reference);
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required === true)
          problems.push(
            `${where} answered ${response.status} without the ${name} header the document requires`,
          );
        continue;
      }
      if (!header.schema) continue;
      const schema = header.schema as Json;
      const raw = Array.isArray(value) ? value.join(', ') : value;
      const typed = schema.type === 'integer' || schema.type === 'number' ? Number(raw) : raw;
      const pointer = `header|${where}|${key}|${name}`;
      let validate = this.#compiled.get(pointer);
      if (!validate) {
        validate = this.#ajv.compile(this.#anchored(schema));
        this.#compiled.set(pointer, validate);
      }
      if (!validate(typed))
        problems.push(
          `${where} answered ${response.status} with ${name}: ${raw}, which its schema refuses: ${describe(validate.errors)}`,
        );
    }
    return problems;
  }

  /** A schema whose `$ref`s point into the document's components. */
  #anchored(schema: Json): Json {
    return JSON.parse(
      JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, `"$ref":"${DOCUMENT_ID}#/components/`),
    ) as Json;
  }

  /** Follows a `$ref` to a component (headers, responses). */
  #resolve(object: Json): Json {
    const ref = object.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return object;
    let node: unknown = this.#document;
    for (const part of ref.slice(2).split('/'))
      node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return (node ?? {}) as Json;
  }
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${paramsOf(e)}`)
    .join('; ');
}

function paramsOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return ` (${String(params.additionalProperty)})`;
  if (error.keyword === 'enum' || error.keyword === 'const') return ` (${JSON.stringify(params)})`;
  return '';
}
