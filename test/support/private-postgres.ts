import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const VERSIONS_DIR = '/usr/lib/postgresql';

export interface PrivatePostgres {
  /** TCP on 127.0.0.1: passwords checked (scram-sha-256), unlike the shared server's trust. */
  host: string;
  port: number;
  /** A superuser session over the cluster's own Unix socket (trusted): for setting up roles and passwords. */
  admin(database?: string): Promise<Client>;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory (Debian's layout, as on CI). */
function binDir(): string {
  const versions = existsSync(VERSIONS_DIR)
    ? readdirSync(VERSIONS_DIR)
        .filter((name) => existsSync(join(VERSIONS_DIR, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `No PostgreSQL server binaries (initdb, pg_ctl) under ${VERSIONS_DIR}/*/bin: this suite needs a private ` +
        'cluster with password authentication (install the postgresql package)',
    );
  }
  return join(VERSIONS_DIR, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A throw-away PostgreSQL cluster in a temporary directory, where TCP connections must give the role's password
 * (the shared server on 5432 trusts 127.0.0.1, which would make a password test pass whatever the password).
 * initdb refuses root: as root, the cluster runs as the postgres user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'clouddrive-private-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  const port = await freePort();
  await pg('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB`;
  await pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', settings, '-w', '-t', '60', 'start']);

  return {
    host: '127.0.0.1',
    port,
    admin: async (database = 'postgres') => {
      const client = new Client({ host: dir, port, user: 'postgres', database });
      await client.connect();
      return client;
    },
    stop: async () => {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
