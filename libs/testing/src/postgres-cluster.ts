import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { readTestEnvironment } from '@app/config';
import { freePort } from './free-port';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary directory, its own free port), which the test
 * may stop and start again: the real server going away under the API. As root (initdb refuses to run as
 * root) its programs run as the `postgres` user, which owns the directory. With `passwords`, TCP connections must
 * give the role's password (scram-sha-256; the shared server trusts 127.0.0.1, where any password would pass).
 */
export class PostgresCluster {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly asUser: string | undefined,
  ) {}

  readonly host = '127.0.0.1';

  /** Where the cluster listens, as user postgres (without a password unless the cluster checks them). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Makes the cluster and starts it. */
  static async create({ passwords = false }: { passwords?: boolean } = {}): Promise<PostgresCluster> {
    const bin = readTestEnvironment().postgresBinDir;
    if (!bin) {
      throw new Error(
        'No PostgreSQL programs (initdb, pg_ctl) on this machine, and TEST_FAULTS=1 asks for the suites that ' +
          'need them: install PostgreSQL (e.g. apt-get install postgresql), or unset TEST_FAULTS.',
      );
    }
    const root = userInfo().uid === 0;
    const dir = mkdtempSync(join(tmpdir(), 'clouddrive-pg-'));
    if (root) {
      const [uid, gid] = await Promise.all(
        ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout)),
      );
      chownSync(dir, uid, gid);
    }
    const cluster = new PostgresCluster(bin, dir, await freePort(), root ? 'postgres' : undefined);
    const auth = passwords ? ['--auth-local=trust', '--auth-host=scram-sha-256'] : ['-A', 'trust'];
    await cluster.exec('initdb', ['-D', cluster.dataDir, '-U', 'postgres', ...auth, '-E', 'UTF8', '--no-sync']);
    await cluster.start();
    return cluster;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-h 127.0.0.1',
      `-k ${this.dir}`,
      // A test's cluster: durability is not what is tested, and the machine is shared.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
    ].join(' ');
    await this.exec('pg_ctl', [
      'start',
      '-D',
      this.dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      join(this.dir, 'log'),
      '-o',
      options,
    ]);
  }

  /** A superuser session over the cluster's own Unix socket (always trusted): for roles and passwords. */
  async admin(database = 'postgres'): Promise<Client> {
    const client = new Client({ host: this.dir, port: this.port, user: 'postgres', database });
    await client.connect();
    return client;
  }

  /** Stops it as an operator would (`-m fast`: sessions are ended with 57P01, in-flight transactions roll back). */
  async stop(): Promise<void> {
    await this.exec('pg_ctl', ['stop', '-D', this.dataDir, '-w', '-t', '60', '-m', 'fast']);
  }

  /** Stops it if it runs, and removes its directory. */
  async destroy(): Promise<void> {
    await this.exec('pg_ctl', ['stop', '-D', this.dataDir, '-w', '-m', 'immediate']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    const [file, argv] = this.asUser ? ['runuser', ['-u', this.asUser, '--', path, ...args]] : [path, args];
    // pg_ctl start leaves the server running with our pipes unless its output goes to the log file (-l).
    await run(file, argv, { cwd: this.dir });
  }
}
