// The peer of the events bench: a bare node:http Server-Sent Events server in its own process, like the API. Streams
// are held per user (GET /events?user=…); POST /publish?users=a,b writes its body as one event to every stream of
// those users, then answers. No database, no auth: what is left is node:http writing to sockets.
const http = require('node:http');

const streams = new Map();
let seq = 0;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://peer');
  if (url.pathname === '/health') return res.end('ok');
  if (req.method === 'GET' && url.pathname === '/events') {
    const user = url.searchParams.get('user') ?? '';
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    res.write('retry: 2000\n\n');
    if (!streams.has(user)) streams.set(user, new Set());
    streams.get(user).add(res);
    res.on('close', () => streams.get(user).delete(res));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/publish') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const event = `id: ${++seq}\nevent: change\ndata: ${Buffer.concat(chunks).toString()}\n\n`;
      for (const user of (url.searchParams.get('users') ?? '').split(',')) {
        for (const stream of streams.get(user) ?? []) stream.write(event);
      }
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  for (const users of streams.values()) for (const stream of users) stream.end();
  server.close(() => process.exit(0));
});
