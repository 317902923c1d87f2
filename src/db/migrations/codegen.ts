const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A TypeScript literal of a plain JSON-like value: short values on one line, long ones spread out. */
export function tsLiteral(value: unknown, indent = '', spread = false): string {
  const inline = oneLine(value);
  if ((!spread && inline.length + indent.length <= 100) || typeof value !== 'object' || value === null)
    return inline;
  const inner = `${indent}  `;
  if (Array.isArray(value))
    return `[\n${value.map((v) => `${inner}${tsLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${tsLiteral(v, inner)},`).join('\n')}\n${indent}}`;
}

function key(k: string): string {
  return IDENT.test(k) ? k : quote(k);
}

function quote(s: string): string {
  const escaped = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  // Double quotes around SQL holding single quotes, as the formatter prefers (`"state = 'queued'"`).
  if (s.includes("'") && !s.includes('"')) return `"${escaped}"`;
  return `'${escaped.replace(/'/g, "\\'")}'`;
}

function oneLine(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${key(k)}: ${oneLine(v)}`).join(', ')} }`;
  }
  return 'undefined';
}

/** `name(arg1, arg2)` with each argument as a literal; long objects are spread over lines. */
export function call(name: string, args: unknown[], indent = '    '): string {
  const text = `${name}(${args.map((a) => tsLiteral(a, indent)).join(', ')})`;
  // A one-line call longer than the formatter's 110 columns (with its indent and the comma
  // after it): the last argument spread over lines, as the formatter writes it.
  if (text.includes('\n') || indent.length + text.length + 1 <= 110 || args.length === 0) return text;
  const last = args.length - 1;
  return `${name}(${args.map((a, i) => tsLiteral(a, indent, i === last)).join(', ')})`;
}
