// The benchmark endpoint on raw node:http: URLSearchParams, validation by hand, JSON.stringify.
// The floor: what a Node process answering this request costs with no framework at all.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function badRequest(res: ServerResponse, message: string): void {
  send(res, 400, { statusCode: 400, error: 'Bad Request', message });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  if (path !== '/hello') return send(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
  if (req.method !== 'GET')
    return send(res, 405, { statusCode: 405, error: 'Method Not Allowed', message: 'Use GET' });

  const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
  const name = query.get('name');
  if (name === null) return badRequest(res, "querystring must have required property 'name'");
  if (name.length > 50) return badRequest(res, 'querystring/name must NOT have more than 50 characters');
  const rawTimes = query.get('times');
  let times = 1;
  if (rawTimes !== null) {
    times = rawTimes.trim() === '' ? Number.NaN : Number(rawTimes);
    if (!Number.isInteger(times)) return badRequest(res, 'querystring/times must be integer');
    if (times < 1 || times > 10) return badRequest(res, 'querystring/times must be >= 1 and <= 10');
  }
  send(res, 200, { message: `hello ${name}`, times, at: Date.now() });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`node-http listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
