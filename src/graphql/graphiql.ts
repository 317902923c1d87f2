import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { escapeHtml } from '../internal/html.js';
import { explorerPage } from './explorer.js';

/** A file the page loads, under a name that holds its content's hash. */
interface Asset {
  readonly name: string;
  readonly body: Buffer;
  readonly type: string;
}

/** Where each file comes from: a package and the file inside it. */
const SOURCES = [
  { key: 'react', pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  { key: 'react-dom', pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  { key: 'graphiql', pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  { key: 'graphiql-css', pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
] as const;

const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL's editors set style attributes; React sets the rest through the CSSOM.
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  // 'self' covers the same host's ws:/wss: (CSP Level 3) for subscriptions.
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Hashed names never change content: a browser keeps them a year. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

function hashed(base: string, ext: string, body: Buffer): Asset['name'] {
  return `${base}.${createHash('sha256').update(body).digest('base64url').slice(0, 12)}.${ext}`;
}

/** The script that starts GraphiQL: the CSRF token of a session, if any, then the app. */
function startScript(path: string, subscriptions: boolean): string {
  return `(function () {
  var url = ${JSON.stringify(path)};
  var ws = ${subscriptions ? `(location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + url` : 'undefined'};
  function start(csrf) {
    var headers = csrf ? { 'x-csrf-token': csrf } : {};
    var base = GraphiQL.createFetcher({ url: url, subscriptionUrl: ws, headers: headers });
    // GraphiQL picks the WebSocket from the document it parses a moment after each edit: a run
    // right after a paste went over POST. The operation's type is read from the text sent.
    var fetcher = function (params, options) {
      var type = operationType(params.query || '', params.operationName || undefined);
      if (type !== 'subscription') return base(params, options);
      var name = params.operationName ? { kind: 'Name', value: params.operationName } : undefined;
      var ast = { kind: 'Document', definitions: [{ kind: 'OperationDefinition', operation: type, name: name }] };
      return base(params, Object.assign({}, options, { documentAST: ast }));
    };
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: false }));
  }
  // The type of the operation named (or the only one) at the top level of a document:
  // strings, block strings and comments skipped, braces counted.
  function operationType(text, wanted) {
    var depth = 0, i = 0, found = [], header = false, word = /[_A-Za-z][_0-9A-Za-z]*/y;
    while (i < text.length) {
      var c = text[i];
      if (c === '#') { while (i < text.length && text[i] !== '\\n') i++; continue; }
      if (c === '"') {
        var block = text.startsWith('"""', i), end = block ? '"""' : '"';
        i += end.length;
        while (i < text.length && !text.startsWith(end, i)) i += text[i] === '\\\\' ? 2 : 1;
        i += end.length;
        continue;
      }
      if (c === '{') {
        // A selection set at the top level with no header before it: the query shorthand.
        if (depth === 0 && !header) found.push({ type: 'query' });
        if (depth === 0) header = false;
        depth++; i++; continue;
      }
      if (c === '}') { depth--; i++; continue; }
      word.lastIndex = i;
      var m = depth === 0 ? word.exec(text) : null;
      if (m) {
        i += m[0].length;
        if (m[0] === 'query' || m[0] === 'mutation' || m[0] === 'subscription') {
          while (/\\s/.test(text[i] || '')) i++;
          word.lastIndex = i;
          var n = word.exec(text);
          found.push({ type: m[0], name: n ? n[0] : undefined });
          header = true;
        } else if (m[0] === 'fragment') { found.push({ type: 'fragment' }); header = true; }
        continue;
      }
      i++;
    }
    var ops = found.filter(function (op) { return op.type !== 'fragment'; });
    var op = wanted ? ops.filter(function (o) { return o.name === wanted; })[0] : ops.length === 1 ? ops[0] : undefined;
    return op ? op.type : undefined;
  }
  // A signed-in session's mutations need its CSRF token (absent without basalt/auth: none).
  fetch('/auth/csrf', { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then(function (res) { return res.ok ? res.json() : null; })
    .then(function (body) { start(body && body.csrfToken); }, function () { start(null); });
})();
`;
}

/**
 * GraphiQL for a browser (development only), served from the graphiql package and React's
 * UMD builds installed beside the app — never a CDN: the page works offline and loads no
 * code from elsewhere. Files are served under hashed names with long cache headers. Without
 * the packages (they are optional peers), the small built-in explorer is served instead.
 */
export class GraphiQLPage {
  readonly #path: string;
  readonly #subscriptions: boolean;
  #loaded: { html: string; assets: Map<string, Asset> } | null | undefined;

  constructor(path: string, subscriptions: boolean) {
    this.#path = path;
    this.#subscriptions = subscriptions;
  }

  /** Where the files are served: `<path>/assets/<name>`. */
  get assetPath(): string {
    return `${this.#path}/assets/:name`;
  }

  // Read on first use: a production app (no GraphiQL) never touches the files.
  #load(): { html: string; assets: Map<string, Asset> } | null {
    if (this.#loaded !== undefined) return this.#loaded;
    const require = createRequire(import.meta.url);
    const assets = new Map<string, Asset>();
    const names: Record<string, string> = {};
    try {
      for (const source of SOURCES) {
        // Through package.json: the packages' export maps leave their UMD files out.
        const dir = dirname(require.resolve(`${source.pkg}/package.json`));
        const body = readFileSync(join(dir, source.file));
        const ext = source.type === 'text/css' ? 'css' : 'js';
        const name = hashed(source.key, ext, body);
        assets.set(name, { name, body, type: `${source.type}; charset=utf-8` });
        names[source.key] = name;
      }
    } catch {
      this.#loaded = null;
      return null;
    }
    const start = Buffer.from(startScript(this.#path, this.#subscriptions));
    const startName = hashed('start', 'js', start);
    assets.set(startName, { name: startName, body: start, type: 'text/javascript; charset=utf-8' });
    const at = (key: string) => escapeHtml(`${this.#path}/assets/${key}`);
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title><link rel="stylesheet" href="${at(names['graphiql-css']!)}">
<style>body{margin:0}#graphiql{height:100vh}</style></head>
<body><div id="graphiql">Loading GraphiQL…</div>
<script src="${at(names.react!)}"></script><script src="${at(names['react-dom']!)}"></script>
<script src="${at(names.graphiql!)}"></script><script src="${at(startName)}"></script>
</body></html>`;
    this.#loaded = { html, assets };
    return this.#loaded;
  }

  /** Whether the graphiql package (and React) are installed. */
  get installed(): boolean {
    return this.#load() !== null;
  }

  /** The page: GraphiQL, or the built-in explorer when graphiql is not installed. */
  page(): { html: string; headers: Record<string, string> } {
    const loaded = this.#load();
    if (!loaded) return explorerPage(this.#path);
    return {
      html: loaded.html,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PAGE_CSP,
        'cache-control': 'no-cache',
      },
    };
  }

  /** One of the page's files by its hashed name, or undefined. */
  asset(name: string): { body: Buffer; headers: Record<string, string> } | undefined {
    const asset = this.#load()?.assets.get(name);
    if (!asset) return undefined;
    return { body: asset.body, headers: { 'content-type': asset.type, 'cache-control': ASSET_CACHE } };
  }
}
