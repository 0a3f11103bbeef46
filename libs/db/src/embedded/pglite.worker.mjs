// Runs PGlite (PostgreSQL compiled to WebAssembly) on its own thread, so a long query never blocks the
// API's event loop, and serves it over a Unix socket with the PostgreSQL wire protocol, so the API uses
// the same `pg` driver and SQL as against a real server. Plain JavaScript: it must load in a bare worker.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { dataDir, socketPath, maxConnections } = workerData;

// Emscripten's file system chmods every file it creates to the mode PostgreSQL asked of its own (0666 at
// times), past the umask: the database, its write-ahead log among it, stays this user's alone. This thread
// runs PGlite only, so nothing else sees the change.
const chmodSync = fs.chmodSync;
fs.chmodSync = (path, mode) => chmodSync(path, typeof mode === 'number' ? mode & 0o700 : mode);

try {
  // The extensions search needs (the migration creates them): PGlite bundles them, loaded on demand.
  const extensions = { btree_gin, pg_trgm, unaccent };
  const db = await PGlite.create(dataDir ? { dataDir, extensions } : { extensions });
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  await server.start();
  parentPort.on('message', async (message) => {
    if (message !== 'stop') return;
    await server.stop();
    await db.close();
    parentPort.postMessage({ type: 'stopped' });
  });
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
