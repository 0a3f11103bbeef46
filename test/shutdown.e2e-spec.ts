import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { startServerProcess } from './support/server-process';

/** Whether something still listens on the port of `url`: a server bound to it takes it only if not. */
function portIsFree(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(Number(port), hostname, () => probe.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stopping the API', () => {
  // A fresh embedded database each time, on a busy machine.
  jest.setTimeout(120_000);
  const roots: string[] = [];
  const tempDir = (prefix: string): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    roots.push(dir);
    return dir;
  };
  afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s closes the port, the workers and the embedded PostgreSQL, and exits 0',
    async (signal) => {
      const dataDir = tempDir('clouddrive-shutdown-');
      const server = startServerProcess({ DATA_DIR: dataDir, EMBEDDED_WORKERS: 'true' });
      const url = await server.url;
      await request(url).get('/health').expect(200);
      expect(existsSync(join(dataDir, 'postgres.lock'))).toBe(true);

      server.child.kill(signal);
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('Stopped');
      expect(existsSync(join(dataDir, 'postgres.lock'))).toBe(false);
      expect(await portIsFree(url)).toBe(true);
    },
  );

  /**
   * `npm start` exactly as package.json has it, with its build and its program stood in for: npm runs the script
   * through a shell, and the signal npm passes on must reach the program, not stop at the shell.
   */
  describe('under npm start', () => {
    const { scripts } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const entry = /node (\S+)$/.exec(scripts.start)?.[1];

    /** A project holding our start script, a `nest`, a `vite` and an `esbuild` that build nothing, and a program that listens. */
    function standInProject(): string {
      if (!entry) throw new Error(`npm start does not end by running node on a file: ${scripts.start}`);
      const dir = tempDir('clouddrive-npm-start-');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'stand-in', private: true, scripts }));
      mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
      for (const builder of ['nest', 'vite', 'esbuild']) {
        writeFileSync(join(dir, 'node_modules', '.bin', builder), '#!/bin/sh\nexit 0\n');
        chmodSync(join(dir, 'node_modules', '.bin', builder), 0o755);
      }
      mkdirSync(join(dir, dirname(entry)), { recursive: true });
      writeFileSync(
        join(dir, entry),
        `const server = require('node:http').createServer((req, res) => res.end('ok'));
         server.listen(0, '127.0.0.1', () =>
           console.log('pid ' + process.pid + ' listening on http://127.0.0.1:' + server.address().port));
         const stop = () => server.close(() => process.exit(0));
         process.once('SIGTERM', stop);
         process.once('SIGINT', stop);`,
      );
      return dir;
    }

    it.each([
      ['SIGTERM to npm', 'SIGTERM', false],
      ['Ctrl-C (SIGINT to the whole process group)', 'SIGINT', true],
    ] as const)('%s stops the program, frees its port, and npm exits 0', async (_, signal, group) => {
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: standInProject(),
        env: { PATH: process.env.PATH ?? '', HOME: tempDir('clouddrive-npm-home-') },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | NodeJS.Signals>((resolve) =>
        npm.once('exit', (code, killed) => resolve(code ?? killed!)),
      );
      const [, pid, url] = await new Promise<RegExpExecArray>((resolve, reject) => {
        npm.stdout!.on('data', () => {
          const match = /pid (\d+) listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match);
        });
        void exited.then(() => reject(new Error(`npm start ended before listening:\n${output}`)));
      });
      try {
        expect(await portIsFree(url)).toBe(false);
        if (group) process.kill(-npm.pid!, signal);
        else npm.kill(signal);
        // SIGTERM to npm: it passes the signal on and exits as the program did (0). Ctrl-C reaches npm too, and
        // whether npm ends by the program's code or by the signal (as shells expect of Ctrl-C) depends on which
        // it handles first: what matters is that the program stopped, and stopped cleanly (it exits 0 on SIGINT).
        expect(group ? [0, 'SIGINT'] : [0]).toContain(await exited);
        expect(isAlive(Number(pid))).toBe(false);
        expect(await portIsFree(url)).toBe(true);
      } finally {
        // Whatever a failure left behind in its process group.
        try {
          process.kill(-npm.pid!, 'SIGKILL');
        } catch {
          // all gone already
        }
      }
    });
  });
});
