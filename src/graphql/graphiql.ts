/** GraphiQL's version, loaded from unpkg by the browser (development only). */
const VERSION = '3.8.3';
const CDN = 'https://unpkg.com';

/** The GraphiQL page for a browser, with a CSP that allows its scripts and styles. */
export function graphiqlPage(path: string): { html: string; headers: Record<string, string> } {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="stylesheet" href="${CDN}/graphiql@${VERSION}/graphiql.min.css">
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style></head>
<body><div id="graphiql">Loading GraphiQL…</div>
<script crossorigin src="${CDN}/react@18.3.1/umd/react.production.min.js"></script>
<script crossorigin src="${CDN}/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
<script crossorigin src="${CDN}/graphiql@${VERSION}/graphiql.min.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(path)} });
ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher }));
</script></body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'self'; script-src 'self' 'unsafe-inline' ${CDN}; style-src 'self' 'unsafe-inline' ${CDN}; img-src 'self' data:; connect-src 'self'; font-src 'self' data: ${CDN}`,
    },
  };
}
