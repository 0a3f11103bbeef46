/**
 * The account's own routes: GET /user, POST /logout, PUT /user/password, DELETE /user. Revoked tokens get 401 at
 * once (logging out ends one session, or every one when asked); a deleted account leaves no row, no share and no
 * object behind, and its name can be taken again.
 */
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ObjectStorage, objectKeys } from '@app/storage';
import { Reconciler } from '../apps/api/src/modules/reconciler/reconciler.service';
import { expectProblem, expectStatus, expectValidationError } from './support/drive-files';
import { newSharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

describe('the account', () => {
  let t: TestApp;
  let storage: ObjectStorage;

  beforeAll(async () => {
    t = await startTestApp();
    storage = t.app.get(ObjectStorage);
  });
  afterAll(() => t.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const logIn = (username: string, password: string) => t.http.post('/login').send({ username, password });
  const verify = (token: string) => t.http.get('/verify-token').set(bearer(token));
  /** Every object kept under the user's prefixes. */
  const objectsOf = async (userId: string) =>
    (await Promise.all(objectKeys.userPrefixes(userId).map((prefix) => storage.list(prefix)))).flatMap((page) =>
      page.objects.map((object) => object.key),
    );

  describe('GET /user', () => {
    it('answers who the caller is and their storage used, left and in total, as GET /drive counts it', async () => {
      const drive = await newSharingDrive(t);
      await drive.confirmedFile('notes.txt', null, Buffer.from('twelve bytes'));
      await drive.startUpload('pending.bin', 100);
      const res = await t.http.get('/user').set(drive.auth);
      expectStatus(res, 200);
      const { username, email } = drive.account;
      const quota = t.config.quota.defaultBytes;
      expect(res.body).toEqual({
        id: drive.account.id,
        username,
        email,
        created_at: expect.any(String),
        used_storage_in_bytes: 12,
        available_storage_in_bytes: quota - 12 - 100,
        total_storage_in_bytes: quota,
      });
      const { username: _u, email: _e, ...figures } = await drive.figures();
      expect(figures).toEqual({
        used_storage_in_bytes: 12,
        available_storage_in_bytes: quota - 12 - 100,
        total_storage_in_bytes: quota,
      });
    });
  });

  describe('POST /logout', () => {
    /** The account's two sessions: the token it registered with and one from a second login (another device). */
    const twoSessions = async () => {
      const drive = await newSharingDrive(t);
      const other = (await logIn(drive.account.username, drive.account.password).expect(200)).body.access_token;
      for (const token of [drive.account.token, other]) expectStatus(await verify(token), 200);
      return { drive, other: other as string };
    };
    const expectRefused = async (token: string) => {
      const res = await verify(token);
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    };

    it('ends the token it is called with at once; the account’s other tokens keep working', async () => {
      const { drive, other } = await twoSessions();

      expectStatus(await t.http.post('/logout').set(drive.auth), 204);

      await expectRefused(drive.account.token);
      expectProblem(await t.http.get('/drive').set(drive.auth), 401, 'unauthorized');
      expectProblem(await t.http.post('/logout').set(drive.auth), 401, 'unauthorized');
      expectStatus(await verify(other), 200);
      expectStatus(await t.http.get('/drive').set(bearer(other)), 200);

      const again = (await logIn(drive.account.username, drive.account.password).expect(200)).body.access_token;
      expectStatus(await verify(again), 200);
    });

    it('takes an empty JSON body, or everywhere: false, as this session only', async () => {
      const { drive, other } = await twoSessions();
      expectStatus(await t.http.post('/logout').set(drive.auth).send({}), 204);
      await expectRefused(drive.account.token);

      expectStatus(await t.http.post('/logout').set(bearer(other)).send({ everywhere: false }), 204);
      await expectRefused(other);
    });

    it('with everywhere: true ends every token of the account, this one and the others', async () => {
      const { drive, other } = await twoSessions();
      const stranger = await newSharingDrive(t);

      expectStatus(await t.http.post('/logout').set(drive.auth).send({ everywhere: true }), 204);

      for (const token of [drive.account.token, other]) await expectRefused(token);
      expectStatus(await verify(stranger.account.token), 200);
      const again = (await logIn(drive.account.username, drive.account.password).expect(200)).body.access_token;
      expectStatus(await verify(again), 200);
    });

    it('refuses a body it cannot read, and logs nothing out', async () => {
      const drive = await newSharingDrive(t);
      expectValidationError(await t.http.post('/logout').set(drive.auth).send({ everywhere: 'yes' }), 'everywhere');
      expectValidationError(await t.http.post('/logout').set(drive.auth).send([true]), 'body');
      expectStatus(await verify(drive.account.token), 200);
    });

    it('keeps a logged-out token refused until it expires; then the reconciler forgets it', async () => {
      const drive = await newSharingDrive(t);
      const db = t.app.get(DataSource);
      const jti = randomUUID();
      const issued = Math.floor(Date.now() / 1000);
      const token = new JwtService({ secret: t.config.auth.jwtSecret }).sign(
        { sub: drive.account.id, jti, ver: 0, iat: issued, exp: issued + 600 },
        { algorithm: 'HS256' },
      );
      expectStatus(await verify(token), 200);
      expectStatus(await t.http.post('/logout').set(bearer(token)), 204);
      const revoked = () => db.query('SELECT expires_at FROM revoked_tokens WHERE jti = $1', [jti]);
      expect(await revoked()).toEqual([{ expires_at: new Date((issued + 600) * 1000) }]);

      // A pass before the token expires keeps its revocation: the token is still valid by its signature.
      await t.app.get(Reconciler).run(new Date((issued + 599) * 1000));
      expect(await revoked()).toHaveLength(1);
      await expectRefused(token);
      expectStatus(await verify(drive.account.token), 200);

      // Once it has expired, the signature check refuses it and the row goes.
      const report = await t.app.get(Reconciler).run(new Date((issued + 601) * 1000));
      expect(report.revocationsForgotten).toBeGreaterThanOrEqual(1);
      expect(await revoked()).toEqual([]);
    });

    it('needs a token', async () => {
      expectProblem(await t.http.post('/logout'), 401, 'unauthorized');
      expectProblem(await t.http.post('/logout').send({ everywhere: true }), 401, 'unauthorized');
    });
  });

  describe('PUT /user/password', () => {
    it('changes the password given the current one, ends every earlier token and answers a new one', async () => {
      const drive = await newSharingDrive(t);
      const { username, password } = drive.account;
      const other = (await logIn(username, password).expect(200)).body.access_token;

      const res = await t.http
        .put('/user/password')
        .set(drive.auth)
        .send({ current_password: password, new_password: 'a new password' });
      expectStatus(res, 200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: t.config.auth.jwtTtlSeconds,
      });
      expectStatus(await verify(res.body.access_token), 200);
      expectProblem(await verify(drive.account.token), 401, 'unauthorized');
      expectProblem(await verify(other), 401, 'unauthorized');

      expectProblem(await logIn(username, password), 401, 'invalid_credentials');
      expectStatus(await logIn(username, 'a new password'), 200);
    });

    it('refuses a wrong current password (403, not 401: the token is fine) and changes nothing', async () => {
      const drive = await newSharingDrive(t);
      const res = await t.http
        .put('/user/password')
        .set(drive.auth)
        .send({ current_password: 'not it at all', new_password: 'a new password' });
      expectProblem(res, 403, 'wrong_password');
      expectStatus(await verify(drive.account.token), 200);
      expectStatus(await logIn(drive.account.username, drive.account.password), 200);
      expectProblem(await logIn(drive.account.username, 'a new password'), 401, 'invalid_credentials');
    });

    it('checks the new password as registration does', async () => {
      const drive = await newSharingDrive(t);
      const send = (body: object) => t.http.put('/user/password').set(drive.auth).send(body);
      expectValidationError(
        await send({ current_password: drive.account.password, new_password: 'short' }),
        'new_password',
      );
      expectValidationError(await send({ new_password: 'long enough now' }), 'current_password');
      expectProblem(await t.http.put('/user/password').send({}), 401, 'unauthorized');
    });
  });

  describe('DELETE /user', () => {
    it('refuses a wrong password and keeps everything', async () => {
      const drive = await newSharingDrive(t);
      const file = await drive.confirmedFile('kept.txt');
      expectProblem(
        await t.http.delete('/user').set(drive.auth).send({ password: 'wrong password' }),
        403,
        'wrong_password',
      );
      expectValidationError(await t.http.delete('/user').set(drive.auth).send({}), 'password');
      expectStatus(await drive.get(file.id), 200);
      expect(await objectsOf(drive.account.id)).toEqual([objectKeys.file(drive.account.id, file.id)]);
    });

    it('removes the account, its items, trash, shares both ways and objects; its tokens end and its name is free', async () => {
      const gone = await newSharingDrive(t);
      const friend = await newSharingDrive(t);
      const { id, username, email, password } = gone.account;

      const folder = await gone.folder('Shared by the account');
      const inFolder = await gone.confirmedFile('inside.txt', folder.id);
      const trashed = await gone.confirmedFile('trashed.txt');
      expectStatus(await gone.remove(trashed.id), 204);
      const pending = await gone.startUpload('never sent.bin', 10);
      await gone.share(folder, friend, 'edit');
      const friendsFolder = await friend.folder('Shared with the account');
      const friendsShare = await friend.share(friendsFolder, gone, 'edit');
      // What the account made in the friend's folder is the friend's, and stays.
      const madeForFriend = await gone.confirmedFile('made for the friend.txt', friendsFolder.id);
      // The objects the workers would have written: a preview and the profile photo in use.
      await storage.write(objectKeys.previewOf(objectKeys.file(id, inFolder.id)), Buffer.from('preview'), 'image/jpeg');
      await storage.write(objectKeys.profilePhotoResized(id, 'jpg'), Buffer.from('photo'), 'image/jpeg');
      const another = (await logIn(username, password).expect(200)).body.access_token;
      expect((await objectsOf(id)).length).toBe(4);

      expectStatus(await t.http.delete('/user').set(gone.auth).send({ password }), 204);

      for (const token of [gone.account.token, another]) expectProblem(await verify(token), 401, 'unauthorized');
      expectProblem(await logIn(username, password), 401, 'invalid_credentials');
      expect(await objectsOf(id)).toEqual([]);
      expect(pending.upload.url).toBeTruthy();

      // The friend no longer sees the account's folder, nor does the account appear among their folder's grants.
      expect((await friend.sharedWithMe()).body.content).toEqual([]);
      expectProblem(await friend.listing(folder.id), 404, 'folder_not_found');
      expectProblem(await friend.get(inFolder.id), 404, 'file_not_found');
      const grants = await friend.sharesOf(friendsFolder);
      expectStatus(grants, 200);
      expect(grants.body.shares).toEqual([]);
      expectProblem(await friend.deleteShare(friendsShare.id), 404, 'share_not_found');
      expectStatus(await friend.get(madeForFriend.id), 200);

      // The username and the e-mail address can be registered again, by somebody new.
      const again = await t.http.post('/user').send({ username, email, password: 'somebody else' });
      expectStatus(again, 201);
      expect(again.body.id).not.toBe(id);
      expectStatus(
        await t.http.get('/drive').set(bearer((await logIn(username, 'somebody else')).body.access_token)),
        200,
      );
    });

    it('needs a token', async () => {
      expectProblem(await t.http.delete('/user').send({ password: 'whatever' }), 401, 'unauthorized');
    });
  });
});
