import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pngImage } from '@app/testing';
import {
  buildCli,
  jsonLines,
  runCli as runBuilt,
  runCliInProcess,
  startCli,
  type CliRun,
  type CliRunner,
} from './support/cli-process';
import { registerAndLogin, startTestApp, type Account, type TestApp } from './support/test-app';

/** Every file below `root`, by its relative path, with the SHA-256 of its bytes; directories as `dir/`. */
function snapshot(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        found[relative(root, child) + '/'] = 'dir';
        walk(child);
      } else found[relative(root, child)] = createHash('sha256').update(readFileSync(child)).digest('hex');
    }
  };
  walk(root);
  return found;
}

const events = (run: CliRun, event: string) => jsonLines(run.stdout).filter((line) => line.event === event);
const summary = (run: CliRun) => events(run, 'summary')[0];
const errorOf = (run: CliRun) => JSON.parse(run.stderr).error as Record<string, any>;

/**
 * The `clouddrive` command as an operator runs it: the built program (dist/cli, through bin/clouddrive.js) in a
 * process of its own, against the real API in the embedded mode (its in-process workers confirming uploads),
 * with real files on disk; its JSON output parsed, its exit codes checked. Each case runs again through `main()`
 * in this process, where jest's coverage sees the code, with streams and an environment of its own.
 */
describe('the clouddrive command line', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let url: string;
  const root = mkdtempSync(join(tmpdir(), 'clouddrive-cli-'));

  beforeAll(async () => {
    buildCli();
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
    url = await t.app.getUrl();
  });
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Homes, accounts' environments and local directories under `scratch`, nothing shared with another case. */
  function places(scratch: string) {
    /** A home of its own: the config and state directories under it. */
    const home = (name: string): Record<string, string> => {
      const dir = join(scratch, `home-${name}`);
      mkdirSync(dir, { recursive: true });
      return { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') };
    };
    const as = (account: Account, name: string): Record<string, string> => ({
      ...home(name),
      CLOUDDRIVE_URL: url,
      CLOUDDRIVE_TOKEN: account.token,
    });
    const dir = (name: string): string => {
      const path = join(scratch, name);
      mkdirSync(path, { recursive: true });
      return path;
    };
    return { home, as, dir };
  }

  const runners: [string, CliRunner][] = [
    ['the built program, in a process of its own', runBuilt],
    ['main() in the test process', runCliInProcess],
  ];

  describe.each(runners)('run as %s', (mode, runCli) => {
    let alice: Account;
    let bob: Account;
    const scratch = join(root, mode.startsWith('main') ? 'in-process' : 'built');
    const { home, as, dir } = places(scratch);

    beforeAll(async () => {
      mkdirSync(scratch, { recursive: true });
      alice = await registerAndLogin(t.http);
      bob = await registerAndLogin(t.http);
    });

    it('logs in with the token saved 0600 under XDG_CONFIG_HOME, says who is signed in, and logs out', async () => {
      const env: Record<string, string> = { ...home('login'), CLOUDDRIVE_URL: url };
      const login = await runCli(
        ['login', '-u', alice.username, '--password-stdin', '--json'],
        env,
        alice.password + '\n',
      );
      expect(login.code).toBe(0);
      expect(JSON.parse(login.stdout)).toMatchObject({ username: alice.username, user_id: alice.id });
      const saved = join(env.XDG_CONFIG_HOME, 'clouddrive', 'session.json');
      expect(statSync(saved).mode & 0o777).toBe(0o600);
      expect(statSync(join(env.XDG_CONFIG_HOME, 'clouddrive')).mode & 0o777).toBe(0o700);
      expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({ url, username: alice.username });

      const whoami = await runCli(['whoami', '--json'], { ...home('login'), CLOUDDRIVE_URL: '' });
      expect(whoami.code).toBe(0);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ url, username: alice.username });
      // CLOUDDRIVE_TOKEN wins over the saved token.
      const asBob = await runCli(['whoami', '--json'], { ...env, CLOUDDRIVE_TOKEN: bob.token });
      expect(JSON.parse(asBob.stdout).username).toBe(bob.username);

      const token = JSON.parse(readFileSync(saved, 'utf8')).token as string;
      expect((await runCli(['logout'], env)).code).toBe(0);
      expect(() => statSync(saved)).toThrow();
      await t.http.get('/verify-token').auth(token, { type: 'bearer' }).expect(401);
      const after = await runCli(['whoami', '--json'], env);
      expect(after.code).toBe(3);
      expect(errorOf(after).code).toBe('not_signed_in');

      const wrong = await runCli(['login', '-u', alice.username, '--password-stdin'], env, 'not-the-password\n');
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/invalid_credentials/);
    });

    it('uploads a tree and downloads it again byte for byte; a second upload finds everything there', async () => {
      const source = dir('tree-source');
      mkdirSync(join(source, 'docs', '2026', 'q1'), { recursive: true });
      mkdirSync(join(source, 'empty'));
      writeFileSync(join(source, 'docs', 'readme.txt'), 'hello\n');
      writeFileSync(join(source, 'docs', '2026', 'q1', 'data.bin'), randomBytes(3 * 1024 * 1024 + 7));
      writeFileSync(join(source, 'docs', '2026', 'zero.bin'), Buffer.alloc(0));
      writeFileSync(join(source, 'Ünïcødé naïve 😀.txt'), 'unicode name');
      for (let i = 0; i < 12; i++) writeFileSync(join(source, 'docs', `note-${i}.txt`), randomBytes(1000 + i));
      const env = as(alice, 'tree');

      const up = await runCli(['upload', source, '/Archive/Run 1', '--json', '-c', '3'], env);
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      expect(summary(up)).toMatchObject({ uploaded: 16, exists: 0, skipped: 0, failed: 0 });
      expect(events(up, 'uploaded').every((line) => line.confirmed === true)).toBe(true);

      const tree = jsonLines((await runCli(['ls', '-R', '/Archive/Run 1', '--json'], env)).stdout);
      expect(tree.map((item) => item.path)).toEqual(
        expect.arrayContaining([
          '/Archive/Run 1/tree-source/empty',
          '/Archive/Run 1/tree-source/docs/2026/q1/data.bin',
          '/Archive/Run 1/tree-source/Ünïcødé naïve 😀.txt',
        ]),
      );

      const target = dir('tree-target');
      const down = await runCli(['download', '/Archive/Run 1/tree-source', target, '--json'], env);
      expect(down.code).toBe(0);
      expect(summary(down)).toMatchObject({ downloaded: 16, failed: 0 });
      expect(snapshot(join(target, 'tree-source'))).toEqual(snapshot(source));

      const again = await runCli(['upload', source, '/Archive/Run 1', '--json'], env);
      expect(again.code).toBe(0);
      expect(summary(again)).toMatchObject({ uploaded: 0, exists: 16, failed: 0 });
      const downAgain = await runCli(['download', '/Archive/Run 1/tree-source', target, '--json'], env);
      expect(summary(downAgain)).toMatchObject({ downloaded: 0, exists: 16 });

      // Plain output off a terminal: lines, no bars, no colours.
      const plain = await runCli(['ls', '/Archive/Run 1/tree-source'], env);
      expect(plain.stdout.split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^d .* docs\/$/)]));
      expect(plain.stdout + plain.stderr).not.toContain(String.fromCharCode(27));
    });

    it('settles a name taken by another size as --conflict says: fail (exit 6), skip, keep both, replace', async () => {
      const env = as(alice, 'conflicts');
      const local = join(dir('conflicts'), 'report.txt');
      writeFileSync(local, 'first version');
      expect((await runCli(['upload', local, '/Conflicts', '-q'], env)).code).toBe(0);
      writeFileSync(local, 'the second, longer version');

      const refused = await runCli(['upload', local, '/Conflicts', '--json'], env);
      expect(refused.code).toBe(6);
      expect(events(refused, 'failed')[0]).toMatchObject({
        code: 'file_name_conflict',
        status: 409,
        remote: '/Conflicts/report.txt',
      });

      const skipped = await runCli(['upload', local, '/Conflicts', '--json', '--conflict', 'skip'], env);
      expect(skipped.code).toBe(0);
      expect(summary(skipped)).toMatchObject({ skipped: 1, uploaded: 0 });

      const kept = await runCli(['upload', local, '/Conflicts', '--json', '--conflict', 'keep'], env);
      expect(kept.code).toBe(0);
      expect(events(kept, 'uploaded')[0].remote).toBe('/Conflicts/report(1).txt');

      writeFileSync(local, 'a third version, longer than both');
      const replaced = await runCli(['upload', local, '/Conflicts', '--json', '--conflict', 'replace'], env);
      expect(replaced.code).toBe(0);
      const target = dir('conflicts-down');
      await runCli(['download', '/Conflicts/report.txt', '/Conflicts/report(1).txt', target, '-q'], env);
      expect(readFileSync(join(target, 'report.txt'), 'utf8')).toBe('a third version, longer than both');
      expect(readFileSync(join(target, 'report(1).txt'), 'utf8')).toBe('the second, longer version');

      // Locally too: another size is refused unless --conflict says otherwise.
      writeFileSync(join(target, 'report.txt'), 'changed here');
      const local409 = await runCli(['download', '/Conflicts/report.txt', target, '--json'], env);
      expect(local409.code).toBe(6);
      expect(events(local409, 'failed')[0].code).toBe('local_file_conflict');
      expect(
        (await runCli(['download', '/Conflicts/report.txt', target, '--conflict', 'replace', '-q'], env)).code,
      ).toBe(0);
      expect(readFileSync(join(target, 'report.txt'), 'utf8')).toBe('a third version, longer than both');
    });

    it('shares a folder between two users: the recipient lists and downloads it, cannot write to it, and loses it', async () => {
      const owner = as(alice, 'share-owner');
      const recipient = as(bob, 'share-recipient');
      const source = dir('shared-source');
      writeFileSync(join(source, 'plan.txt'), 'the plan');
      await runCli(['upload', source, '/', '-q'], owner);

      const shared = await runCli(['share', '/shared-source', bob.username, '--json'], owner);
      expect(shared.code).toBe(0);
      expect(JSON.parse(shared.stdout)).toMatchObject({ permission: 'view', recipient: { username: bob.username } });
      const twice = await runCli(['share', '/shared-source', bob.username, '--json'], owner);
      expect([twice.code, errorOf(twice).code]).toEqual([6, 'already_shared']);

      const list = JSON.parse((await runCli(['shared', '--json'], recipient)).stdout);
      const folder = list.items.find((item: any) => item.name === 'shared-source');
      expect(folder).toMatchObject({ kind: 'folder', permission: 'view', owner: { username: alice.username } });
      const inside = JSON.parse((await runCli(['ls', folder.id, '--json'], recipient)).stdout);
      expect(inside.items.map((item: any) => item.name)).toEqual(['plan.txt']);
      const target = dir('shared-target');
      expect((await runCli(['download', `${folder.id}/plan.txt`, target, '-q'], recipient)).code).toBe(0);
      expect(readFileSync(join(target, 'plan.txt'), 'utf8')).toBe('the plan');

      writeFileSync(join(dir('bobs'), 'mine.txt'), 'not welcome');
      const write = await runCli(['upload', join(scratch, 'bobs', 'mine.txt'), folder.id, '--json'], recipient);
      expect(write.code).toBe(4);
      expect(events(write, 'failed')[0].code).toBe('permission_denied');

      expect((await runCli(['unshare', '/shared-source', bob.username], owner)).code).toBe(0);
      const gone = await runCli(['ls', folder.id, '--json'], recipient);
      expect([gone.code, errorOf(gone).code]).toEqual([5, 'not_found']);
    });

    it('moves, renames, trashes, restores and empties the trash', async () => {
      const env = as(bob, 'trash');
      expect((await runCli(['mkdir', '-p', '/Work/old', '/Work/new'], env)).code).toBe(0);
      const local = join(dir('trash'), 'memo.txt');
      writeFileSync(local, 'memo');
      await runCli(['upload', local, '/Work/old', '-q'], env);
      expect((await runCli(['mv', '/Work/old/memo.txt', '/Work/new'], env)).code).toBe(0);
      expect((await runCli(['rename', '/Work/new/memo.txt', 'memo-2026.txt'], env)).code).toBe(0);

      const folderRm = await runCli(['rm', '/Work/old'], env);
      expect(folderRm.code).toBe(2);
      expect((await runCli(['rm', '/Work/new/memo-2026.txt', '--json'], env)).code).toBe(0);
      expect((await runCli(['rm', '-r', '/Work/old'], env)).code).toBe(0);
      const trash = JSON.parse((await runCli(['trash', 'ls', '--json'], env)).stdout);
      expect(trash.items.map((item: any) => item.name).sort()).toEqual(['memo-2026.txt', 'old']);

      expect((await runCli(['trash', 'restore', 'memo-2026.txt'], env)).code).toBe(0);
      const back = JSON.parse((await runCli(['ls', '/Work/new', '--json'], env)).stdout);
      expect(back.items.map((item: any) => item.name)).toEqual(['memo-2026.txt']);

      expect((await runCli(['trash', 'empty'], env)).code).toBe(2);
      expect((await runCli(['trash', 'empty', '--yes'], env)).code).toBe(0);
      expect(JSON.parse((await runCli(['trash', 'ls', '--json'], env)).stdout).items).toEqual([]);
      const quota = JSON.parse((await runCli(['quota', '--json'], env)).stdout);
      expect(quota.used_storage_in_bytes).toBe(4);
    });

    it('saves the preview of an image', async () => {
      const env = as(bob, 'preview');
      const local = join(dir('preview'), 'picture.png');
      writeFileSync(local, await pngImage(800, 600));
      await runCli(['upload', local, '/Pictures', '-q'], env);
      const saved = await runCli(['preview', '/Pictures/picture.png', '--json'], env, undefined, dir('preview'));
      expect(saved.code).toBe(0);
      const document = JSON.parse(saved.stdout);
      expect(document).toMatchObject({ width: 400, height: 300, path: 'picture.preview.jpg' });
      expect(readFileSync(join(scratch, 'preview', 'picture.preview.jpg')).subarray(0, 3)).toEqual(
        Buffer.from([0xff, 0xd8, 0xff]),
      );
    });

    it('watches the account’s changes: from a cursor, then live, as lines or JSON lines', async () => {
      const env = as(alice, 'watch');
      const auth = { Authorization: `Bearer ${alice.token}` };
      const from = (await t.http.get('/changes').set(auth)).body.cursor as string;
      expect((await runCli(['mkdir', '/Watched'], env)).code).toBe(0);
      const past = await runCli(['watch', '--since', from, '--count', '1', '--json'], env);
      expect(past.code).toBe(0);
      expect(jsonLines(past.stdout)).toEqual([
        expect.objectContaining({ type: 'item_created', item: expect.objectContaining({ name: 'Watched' }) }),
      ]);
      const human = await runCli(['watch', '--since', from, '-n', '1'], env);
      expect(human.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+ +item_created +folder Watched\n$/);

      // From now: changes are made until the watcher, once connected, has seen one.
      const live = runCli(['watch', '-n', '1', '--json'], env);
      let done = false;
      void live.finally(() => (done = true));
      for (let i = 0; !done; i++) {
        await t.http
          .post('/drive')
          .set(auth)
          .send({ folder_name: `Live ${i}` });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seen = jsonLines((await live).stdout);
      expect(seen).toEqual([expect.objectContaining({ type: 'item_created' })]);
      expect((seen[0] as { item: { name: string } }).item.name).toMatch(/^Live \d+$/);
      expect((await runCli(['watch', '--since', 'not-a-cursor'], env)).code).toBe(8);
    });

    it('runs the operators’ commands with LAMBDA_SECRET, with the API’s validation and errors', async () => {
      const env = { ...home('ops'), CLOUDDRIVE_URL: url };
      const health = await runCli(['ops', 'health', '--json'], env);
      expect(health.code).toBe(0);
      expect(JSON.parse(health.stdout)).toMatchObject({
        live: true,
        ready: true,
        checks: { database: 'up', storage: 'up' },
      });
      const down = await runCli(['ops', 'health', '--json', '--url', 'http://127.0.0.1:9'], env);
      expect([down.code, JSON.parse(down.stdout).ready]).toEqual([9, false]);

      const local = join(dir('ops'), 'ops.txt');
      writeFileSync(local, 'operator');
      const uploaded = await runCli(['upload', local, '/Ops', '--json'], as(alice, 'ops-upload'));
      const fileId = events(uploaded, 'uploaded')[0].file_id as string;
      const args = ['ops', 'confirm-upload', fileId, '--size', '8', '--content-type', 'text/plain', '--json'];

      const noSecret = await runCli(args, env);
      expect([noSecret.code, errorOf(noSecret).code]).toEqual([2, 'no_lambda_secret']);
      const wrong = await runCli(args, { ...env, LAMBDA_SECRET: 'not-the-secret' });
      expect([wrong.code, errorOf(wrong).code]).toEqual([4, 'forbidden']);
      const secret = { ...env, LAMBDA_SECRET: t.config.auth.lambdaSecret };
      const invalid = await runCli(
        ['ops', 'confirm-upload', 'not-an-id', '--size', '-1', '--content-type', 'nope', '--json'],
        secret,
      );
      expect(invalid.code).toBe(8);
      expect(errorOf(invalid).code).toBe('validation_failed');
      expect(
        errorOf(invalid)
          .errors.map((error: any) => error.field)
          .sort(),
      ).toEqual(['content_type', 'file_id', 'size_in_bytes']);
      const missing = await runCli(
        ['ops', 'confirm-upload', alice.id, '--size', '1', '--content-type', 'text/plain', '--json'],
        secret,
      );
      expect([missing.code, errorOf(missing).code]).toEqual([5, 'file_not_found']);

      // Idempotent: the file the worker confirmed stays confirmed.
      const confirmed = await runCli(args, secret);
      expect(confirmed.code).toBe(0);
      expect(JSON.parse(confirmed.stdout)).toMatchObject({ file_id: fileId, status: 'confirmed', size_in_bytes: 8 });
      const preview = await runCli(['ops', 'confirm-preview', fileId, '--status', 'unsupported', '--json'], secret);
      expect(JSON.parse(preview.stdout)).toMatchObject({ file_id: fileId, preview_status: 'unsupported' });
      const photo = await runCli(['ops', 'confirm-profile-photo', alice.id, '--status', 'rejected', '--json'], secret);
      expect(JSON.parse(photo.stdout)).toEqual({ user_id: alice.id, status: 'discarded' });
    });

    it('says what went wrong with its exit code: usage 2, not signed in 3, not found 5, and prints detail and code', async () => {
      const anonymous = { ...home('codes'), CLOUDDRIVE_URL: url };
      expect((await runCli(['upload', 'only-one-argument'], anonymous)).code).toBe(2);
      expect((await runCli(['ls', '--bogus'], anonymous)).code).toBe(2);
      expect((await runCli(['--version'], anonymous)).code).toBe(0);
      expect((await runCli(['trash', '--help'], anonymous)).code).toBe(0);
      // A command missing: the help is shown, as a usage error.
      expect((await runCli(['trash'], anonymous)).code).toBe(2);
      const notSignedIn = await runCli(['ls'], anonymous);
      expect(notSignedIn.code).toBe(3);
      expect(notSignedIn.stderr).toMatch(/^clouddrive: Not signed in.*\(not_signed_in\)\n$/);
      const expired = await runCli(['ls', '--json'], { ...anonymous, CLOUDDRIVE_TOKEN: 'not.a.token' });
      expect([expired.code, errorOf(expired).code, errorOf(expired).status]).toEqual([3, 'unauthorized', 401]);
      const missing = await runCli(['ls', '/No such folder'], as(alice, 'codes'));
      expect(missing.code).toBe(5);
      expect(missing.stderr).toContain('(not_found)');
      const nothing = await runCli(['upload', join(scratch, 'nothing-here'), '/'], as(alice, 'codes'));
      expect(nothing.code).toBe(5);
    });
  });

  describe('the built program alone', () => {
    const scratch = join(root, 'resume');
    const { as, dir } = places(scratch);
    let alice: Account;
    beforeAll(async () => {
      mkdirSync(scratch, { recursive: true });
      alice = await registerAndLogin(t.http);
    });
    const runCli = runBuilt;

    it('resumes an upload killed mid-job: what arrived is left alone, the rest is sent, nothing is doubled', async () => {
      const source = dir('resume-source');
      for (let i = 0; i < 150; i++)
        writeFileSync(join(source, `part-${String(i).padStart(3, '0')}.bin`), randomBytes(64 * 1024));
      const env = as(alice, 'resume');

      const first = startCli(['upload', source, '/Resumed', '--json', '-c', '1'], env);
      await new Promise<void>((resolve, reject) => {
        first.child.stdout!.on('data', () => first.stdout().includes('"event":"uploaded"') && resolve());
        first.child.once('close', () => reject(new Error(`the upload ended before it was killed:\n${first.stdout()}`)));
      });
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.stdout).not.toContain('"summary"');
      const journal = join(env.XDG_STATE_HOME, 'clouddrive', 'uploads.json');
      expect(JSON.parse(readFileSync(journal, 'utf8')).length).toBeGreaterThan(0);

      const second = await runCli(['upload', source, '/Resumed', '--json'], env);
      expect(second.code).toBe(0);
      const totals = summary(second);
      expect(totals.failed).toBe(0);
      expect(totals.exists).toBeGreaterThanOrEqual(events(killed, 'uploaded').length);
      expect(totals.uploaded).toBeGreaterThan(0);
      expect(totals.exists + totals.uploaded).toBe(150);
      expect(JSON.parse(readFileSync(journal, 'utf8'))).toEqual([]);

      const listed = JSON.parse((await runCli(['ls', '/Resumed/resume-source', '--json'], env)).stdout);
      expect(listed.items).toHaveLength(150);
      const target = dir('resume-target');
      expect((await runCli(['download', '/Resumed/resume-source', target, '-q'], env)).code).toBe(0);
      expect(snapshot(join(target, 'resume-source'))).toEqual(snapshot(source));
    });
  });
});
