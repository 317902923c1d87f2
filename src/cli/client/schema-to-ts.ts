/** A JSON Schema as found in an OpenAPI 3.1 document (the keywords the generator reads). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  title?: string;
  description?: string;
  format?: string;
  nullable?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as written in a TypeScript type: bare when it can be, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** `Book Page` / `book-page` → `BookPage`: a component schema's name as a TypeScript type name. */
export function typeName(name: string): string {
  const pascal = name
    .split(/[^A-Za-z0-9_$]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return /^[A-Za-z_$]/.test(pascal) ? pascal : `_${pascal}`;
}

/** A JSDoc comment for a schema's description (or title), or nothing. */
export function docComment(schema: JsonSchema | undefined, indent: string): string {
  const text = schema?.description ?? '';
  if (!text) return '';
  const safe = text.replace(/\*\//g, '*\\/').split('\n');
  return safe.length === 1
    ? `${indent}/** ${safe[0]} */\n`
    : `${indent}/**\n${safe.map((line) => `${indent} * ${line}`).join('\n')}\n${indent} */\n`;
}

function wrap(type: string): string {
  return /^[\w$.'"[\]<>]+$/.test(type) && !type.includes('|') ? type : `(${type})`;
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  if (unique.length === 0) return 'never';
  if (unique.includes('unknown')) return 'unknown';
  return unique.join(' | ');
}

/**
 * Converts JSON Schema to a TypeScript type expression. `$ref`s to `#/components/schemas/X`
 * become the type `X` (the caller declares one type per component schema).
 */
export class SchemaToTs {
  readonly #refName: (ref: string) => string;

  constructor(refName: (ref: string) => string) {
    this.#refName = refName;
  }

  type(schema: JsonSchema | boolean | undefined, indent = ''): string {
    if (schema === undefined || schema === true) return 'unknown';
    if (schema === false) return 'never';
    if (schema.$ref) return this.#refName(schema.$ref);
    if ('const' in schema) return JSON.stringify(schema.const) ?? 'unknown';
    if (schema.enum) return union(schema.enum.map((value) => JSON.stringify(value) ?? 'unknown'));
    const parts: string[] = [];
    if (schema.anyOf) parts.push(union(schema.anyOf.map((s) => this.type(s, indent))));
    if (schema.oneOf) parts.push(union(schema.oneOf.map((s) => this.type(s, indent))));
    if (schema.allOf) parts.push(schema.allOf.map((s) => wrap(this.type(s, indent))).join(' & '));
    if (schema.type !== undefined || schema.properties) parts.push(this.#typed(schema, indent));
    let result =
      parts.length === 0 ? 'unknown' : parts.length === 1 ? parts[0]! : parts.map(wrap).join(' & ');
    if (schema.nullable) result = `${wrap(result)} | null`;
    return result;
  }

  #typed(schema: JsonSchema, indent: string): string {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'object'];
    return union(types.map((type) => this.#one(type, schema, indent)));
  }

  #one(type: string, schema: JsonSchema, indent: string): string {
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array':
        return this.#array(schema, indent);
      case 'object':
        return this.#object(schema, indent);
      default:
        return 'unknown';
    }
  }

  #array(schema: JsonSchema, indent: string): string {
    if (schema.prefixItems) return `[${schema.prefixItems.map((s) => this.type(s, indent)).join(', ')}]`;
    if (Array.isArray(schema.items)) return `[${schema.items.map((s) => this.type(s, indent)).join(', ')}]`;
    return `${wrap(this.type(schema.items, indent))}[]`;
  }

  #object(schema: JsonSchema, indent: string): string {
    const properties = Object.entries(schema.properties ?? {});
    const extra = schema.additionalProperties;
    if (properties.length === 0) {
      if (extra === false) return 'Record<string, never>';
      return `Record<string, ${this.type(extra === undefined ? true : extra, indent)}>`;
    }
    const required = new Set(schema.required ?? []);
    const inner = `${indent}  `;
    const lines = properties.map(
      ([name, property]) =>
        `${docComment(property, inner)}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${this.type(property, inner)};`,
    );
    // Basalt's objects refuse unknown members; a schema that allows them gets an index signature.
    if (extra !== undefined && extra !== false) lines.push(`${inner}[key: string]: unknown;`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
}
