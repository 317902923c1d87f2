/**
 * The small explorer served when the graphiql package is not installed: self-contained (no
 * script or style from elsewhere: a CDN is unreachable offline and a supply-chain risk). An
 * editor for the query and its variables, the answer, and the schema's root fields.
 */
export function explorerPage(path: string): { html: string; headers: Record<string, string> } {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · Basalt</title>
<style>
body{margin:0;font:14px system-ui,sans-serif;display:grid;grid-template-columns:1fr 1fr 16rem;grid-template-rows:auto 1fr auto;height:100vh}
header{grid-column:1/4;padding:.5rem 1rem;background:#222;color:#eee;display:flex;gap:1rem;align-items:center}
textarea,pre{font:13px ui-monospace,monospace;margin:0;padding:.75rem;border:0;border-right:1px solid #ddd;resize:none;overflow:auto}
#variables{grid-column:1;border-top:1px solid #ddd;height:8rem}#answer{grid-row:2/4;grid-column:2;background:#fafafa}
#schema{grid-row:2/4;grid-column:3;overflow:auto;padding:.5rem;font-size:12px}button{font:inherit;padding:.25rem 1rem}
</style></head>
<body><header><strong>GraphiQL</strong><button id="run" title="Ctrl+Enter">Run</button><span id="status"></span><small>Install graphiql@3, react@18 and react-dom@18 (devDependencies) for the full GraphiQL.</small></header>
<textarea id="query" spellcheck="false" aria-label="Query">{\n  __typename\n}</textarea>
<pre id="answer" aria-label="Answer"></pre>
<div id="schema" aria-label="Schema"></div>
<textarea id="variables" spellcheck="false" aria-label="Variables">{}</textarea>
<script>
const url = ${JSON.stringify(path)};
const $ = (id) => document.getElementById(id);
async function send(query, variables) {
  const res = await fetch(url, { method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: await res.json() };
}
async function run() {
  let variables;
  try { variables = JSON.parse($('variables').value || '{}'); } catch { $('status').textContent = 'Variables are not JSON'; return; }
  $('status').textContent = '…';
  const { status, body } = await send($('query').value, variables);
  $('status').textContent = 'HTTP ' + status;
  $('answer').textContent = JSON.stringify(body, null, 2);
}
$('run').onclick = run;
$('query').onkeydown = (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run(); };
send('{ __schema { queryType { fields { name description } } mutationType { fields { name } } subscriptionType { fields { name } } } }', {})
  .then(({ body }) => {
    const s = body.data && body.data.__schema; if (!s) return;
    const list = (title, type) => type ? '<h4>' + title + '</h4>' + type.fields.map((f) => '<div>' + f.name + '</div>').join('') : '';
    $('schema').innerHTML = list('Query', s.queryType) + list('Mutation', s.mutationType) + list('Subscription', s.subscriptionType);
  });
</script></body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
    },
  };
}
