/**
 * The ceiling for GET /drive: a bare node:http server that does what the API must do for that route and
 * nothing else: verify the same HS256 JWT, check its user exists, run the very same listing SQL (imported
 * from the repository) and the storage figures, and answer JSON. Run in its own process, like the API.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Pool } from 'pg';
import { listingStatement } from '../libs/db/src/repositories/items.repository';

const secret = process.env.JWT_SECRET!;
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});

/** The token's subject when its HS256 signature and expiry hold. */
function subjectOf(header: string | undefined): string | undefined {
  const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
  const [head, body, signature] = token.split('.');
  if (!head || !body || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { sub: string; exp: number };
  return claims.exp * 1000 > Date.now() ? claims.sub : undefined;
}

createServer((req, res) => {
  void (async () => {
    if (req.url === '/health') return void res.writeHead(200).end();
    const userId = subjectOf(req.headers.authorization);
    const identity = userId ? await pool.query('SELECT id, username FROM users WHERE id = $1', [userId]) : undefined;
    if (!identity?.rows[0]) {
      res.writeHead(401).end();
      return;
    }
    const statement = listingStatement({
      ownerId: userId!,
      parentFolderId: null,
      sortBy: 'name',
      order: 'ASC',
      limit: 100,
    });
    const [page, figures] = await Promise.all([
      pool.query(statement.text, statement.values),
      pool.query('SELECT username, email, quota_bytes, used_bytes, reserved_bytes FROM users WHERE id = $1', [userId]),
    ]);
    const body = JSON.stringify({
      user: figures.rows[0],
      files_and_folders: page.rows.slice(0, 100),
      next_cursor: null,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  })().catch(() => res.writeHead(500).end());
}).listen(Number(process.env.PORT), '127.0.0.1');
