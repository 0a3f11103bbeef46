// The ceiling: a bare node:http server answering a small JSON body, run in its own process like the API.
const http = require('node:http');

const body = JSON.stringify({ status: 'valid' });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
