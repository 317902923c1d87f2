/**
 * The fetch wrapper written at the end of every generated client. It reads the `Paths` type
 * declared above it in the generated file; it is plain TypeScript with no imports, so the
 * file compiles on its own under strict options (the tests compile it).
 */
export const CLIENT_RUNTIME = `
/** An HTTP method the API answers. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206;

/** The paths that answer \`method\`. */
export type PathsWith<M extends Method> = {
  [P in keyof Paths]: M extends keyof Paths[P] ? P : never;
}[keyof Paths];

type OperationOf<P extends keyof Paths, M extends Method> = M extends keyof Paths[P]
  ? Paths[P][M] extends Operation
    ? Paths[P][M]
    : never
  : never;

interface Operation {
  options: object;
  responses: object;
}

/** The body of a successful answer (2xx) of an operation. */
export type SuccessData<O extends Operation> = {
  [S in keyof O['responses']]: S extends SuccessStatus ? O['responses'][S] : never;
}[keyof O['responses']];

type RedirectStatus = 300 | 301 | 302 | 303 | 304 | 307 | 308;

/** The body of an error answer (4xx, 5xx) of an operation: a problem+json object. */
export type ErrorData<O extends Operation> = {
  [S in keyof O['responses']]: S extends SuccessStatus | RedirectStatus ? never : O['responses'][S];
}[keyof O['responses']];

/**
 * What a call resolves with: \`data\` when the answer is 2xx, \`error\` (the problem) when it is
 * 4xx or 5xx, neither (and \`notModified\`) for a 304 after If-None-Match.
 */
export type ClientResult<O extends Operation> =
  | { ok: true; status: number; data: SuccessData<O>; error?: undefined; response: Response }
  | { ok: false; status: number; notModified?: false; data?: undefined; error: ErrorData<O>; response: Response }
  | ([Extract<keyof O['responses'], RedirectStatus>] extends [never]
      ? never
      : {
          ok: false;
          /** A 304: the copy named by If-None-Match is current. */
          notModified: true;
          status: Extract<keyof O['responses'], RedirectStatus>;
          data?: undefined;
          error?: undefined;
          response: Response;
        });

/** Per-call options besides the operation's own (params, query, headers, body). */
export interface CallOptions {
  signal?: AbortSignal;
}

type Args<O extends Operation> = object extends O['options']
  ? [options?: O['options'] & CallOptions]
  : [options: O['options'] & CallOptions];

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Where the API is, e.g. \`https://api.example.com\` (paths are appended to it). */
  baseUrl: string;
  /** The fetch to use (default: the global one); pass one to add retries, logging or a test double. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Headers sent with every request, or a function giving them (e.g. a fresh bearer token). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
}

/** The typed client: one method per HTTP method, taking a path of the API and its options. */
export interface Client {
  get<P extends PathsWith<'get'>>(path: P, ...args: Args<OperationOf<P, 'get'>>): Promise<ClientResult<OperationOf<P, 'get'>>>;
  post<P extends PathsWith<'post'>>(path: P, ...args: Args<OperationOf<P, 'post'>>): Promise<ClientResult<OperationOf<P, 'post'>>>;
  put<P extends PathsWith<'put'>>(path: P, ...args: Args<OperationOf<P, 'put'>>): Promise<ClientResult<OperationOf<P, 'put'>>>;
  patch<P extends PathsWith<'patch'>>(path: P, ...args: Args<OperationOf<P, 'patch'>>): Promise<ClientResult<OperationOf<P, 'patch'>>>;
  delete<P extends PathsWith<'delete'>>(path: P, ...args: Args<OperationOf<P, 'delete'>>): Promise<ClientResult<OperationOf<P, 'delete'>>>;
}

interface RawOptions extends CallOptions {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  body?: unknown;
}

function buildUrl(baseUrl: string, path: string, options: RawOptions): string {
  const filled = path.replace(/\\{([^}]+)\\}/g, (_, name: string) => {
    const value = options.params?.[name];
    if (value === undefined || value === null) throw new TypeError(\`\${path} needs the path parameter '\${name}'\`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const query = search.toString();
  return \`\${baseUrl.replace(/\\/+$/, '')}\${filled}\${query ? \`?\${query}\` : ''}\`;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (/[/+]json\\b/.test(type)) {
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
  if (type.startsWith('text/')) return response.text();
  return response.blob();
}

/**
 * Makes a client for the API.
 *
 * @example
 * const api = createClient({ baseUrl: 'http://127.0.0.1:3000' });
 * const book = await api.get('/api/books/{id}', { params: { id: 1 } });
 * if (book.ok) console.log(book.data.title);
 * else console.error(book.status, book.error.detail);
 */
export function createClient(options: ClientOptions): Client {
  const send = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const call = async (method: Method, path: string, raw: RawOptions = {}) => {
    const common = typeof options.headers === 'function' ? await options.headers() : (options.headers ?? {});
    const headers: Record<string, string> = { accept: 'application/json', ...common };
    for (const [name, value] of Object.entries(raw.headers ?? {}))
      if (value !== undefined && value !== null) headers[name] = String(value);
    const init: RequestInit = { method: method.toUpperCase(), headers };
    if (raw.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(raw.body);
    }
    if (raw.signal) init.signal = raw.signal;
    const response = await send(buildUrl(options.baseUrl, path, raw), init);
    const body = await readBody(response);
    return response.ok
      ? { ok: true, status: response.status, data: body, response }
      : response.status >= 300 && response.status < 400
        ? { ok: false, notModified: true, status: response.status, response }
        : { ok: false, status: response.status, error: body, response };
  };
  // The types are the interface's; the implementation is one untyped call per method.
  const method = (name: Method) => (path: string, raw?: RawOptions) => call(name, path, raw);
  const client = {
    get: method('get'),
    post: method('post'),
    put: method('put'),
    patch: method('patch'),
    delete: method('delete'),
  };
  return client as unknown as Client;
}
`;
