import { JwtService } from '@nestjs/jwt';
import { expectStatus } from '../support/expectations';
import { Account, registerAndLogin, TestApp } from '../support/test-app';
import { WorkerlessDrive } from '../support/workerless-drive';

/** Real things for requests to name, so that they get past the first checks into the code behind them. */
export interface World {
  owner: Account;
  friend: Account;
  lambdaSecret: string;
  /** Tokens that look right and are not: signed with another secret, expired, of nobody. */
  forgedTokens: string[];
  folderIds: string[];
  fileIds: string[];
  trashIds: string[];
  shareIds: string[];
  /** Every id above, and the users' ids. */
  allIds: string[];
  cursors: Record<'drive' | 'folder' | 'trash' | 'shared', string>;
  /** Presigned URLs of the embedded store, with what to send to them. */
  upload: { path: string; headers: Record<string, string>; size: number };
  download: { path: string };
}

/** Two users with folders, files (confirmed and pending), trash and shares both ways. */
export async function makeWorld(t: TestApp, generation: number, users?: [Account, Account]): Promise<World> {
  // The same two people from one world to the next, logged in afresh (a fuzzed POST /logout may have ended a
  // token); someone a fuzzed request deleted or gave a new password is replaced by a new account.
  const [owner, friend] = await Promise.all([0, 1].map((i) => logInAgain(t, users?.[i])));
  const mine = new WorkerlessDrive(t, owner);
  const theirs = new WorkerlessDrive(t, friend);
  const tag = `g${generation}`;
  const top = await mine.folder(`top-${tag}`);
  const inner = await mine.folder(`inner-${tag}`, top.id);
  const second = await mine.folder(`second-${tag}`);
  const confirmed = await mine.file(`notes-${tag}.txt`, 'hello fuzz', { parentId: top.id });
  await mine.file(`root-${tag}.txt`, 'root');
  const pending = await mine.requestUpload(`pending-${tag}.txt`, 5, { parentId: inner.id });
  const binned = await mine.folder(`binned-${tag}`);
  expectStatus(await t.http.delete(`/drive/${binned.id}`).set(mine.auth), 204);
  const binnedFile = await mine.file(`binned-${tag}.txt`, 'bin');
  expectStatus(await t.http.delete(`/file/${binnedFile.id}`).set(mine.auth), 204);
  const theirFolder = await theirs.folder(`theirs-${tag}`);
  const theirFile = await theirs.file(`theirs-${tag}.txt`, 'theirs', { parentId: theirFolder.id });

  const share = async (by: WorkerlessDrive, body: object): Promise<string> => {
    const res = await t.http.post('/share').set(by.auth).send(body);
    expectStatus(res, 201);
    return res.body.id;
  };
  const shareIds = [
    await share(mine, {
      share_object_type: 'folder',
      folder_id: top.id,
      username: friend.username,
      permission: 'view',
    }),
    await share(mine, { share_object_type: 'file', file_id: confirmed.id, username: friend.email, permission: 'edit' }),
    await share(theirs, {
      share_object_type: 'folder',
      folder_id: theirFolder.id,
      username: owner.username,
      permission: 'edit',
    }),
  ];

  const cursor = async (path: string, auth: Record<string, string>): Promise<string> => {
    const res = await t.http.get(path).set(auth).query({ limit: 1 });
    expectStatus(res, 200);
    expect(res.body.next_cursor).toEqual(expect.any(String));
    return res.body.next_cursor;
  };
  const download = await t.http.get(`/file/${confirmed.id}`).set(mine.auth);
  expectStatus(download, 200);
  const local = (url: string) => {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  };

  const jwt = new JwtService({ secret: 'not-the-secret-of-this-server-at-all' });
  const folderIds = [top.id, inner.id, second.id, theirFolder.id];
  const fileIds = [confirmed.id, pending.file.id, theirFile.id];
  const trashIds = [binned.id, binnedFile.id];
  return {
    owner,
    friend,
    lambdaSecret: t.config.auth.lambdaSecret,
    forgedTokens: [
      await jwt.signAsync({ sub: owner.id, username: owner.username }),
      await new JwtService({ secret: t.config.auth.jwtSecret }).signAsync(
        { sub: owner.id, username: owner.username },
        { expiresIn: -60 },
      ),
      await new JwtService({ secret: t.config.auth.jwtSecret }).signAsync({
        sub: '00000000-0000-4000-8000-000000000000',
      }),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: owner.id })).toString('base64url')}.`,
    ],
    folderIds,
    fileIds,
    trashIds,
    shareIds,
    allIds: [...folderIds, ...fileIds, ...trashIds, ...shareIds, owner.id, friend.id],
    cursors: {
      drive: await cursor('/drive', mine.auth),
      folder: await cursor(`/drive/${top.id}`, mine.auth),
      trash: await cursor('/trash', mine.auth),
      shared: await cursor('/shared-with-me', theirs.auth),
    },
    upload: { path: local(pending.upload.url), headers: pending.upload.headers, size: 5 },
    download: { path: local(download.body.url) },
  };
}

async function logInAgain(t: TestApp, account: Account | undefined): Promise<Account> {
  if (account) {
    const res = await t.http.post('/login').send({ username: account.username, password: account.password });
    if (res.status === 200) return { ...account, token: res.body.access_token };
  }
  return registerAndLogin(t.http);
}
