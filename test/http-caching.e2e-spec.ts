import { etagOf, matches } from '../apps/api/src/common/http/etags';
import { expectStatus } from './support/expectations';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

describe('conditional GETs: ETag and If-None-Match', () => {
  let t: TestApp;
  let alice: SharingDrive;
  let bob: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp();
    [alice, bob] = [await newSharingDrive(t), await newSharingDrive(t)];
  });
  afterAll(() => t.close());

  it('tags a listing, answers 304 with no body while it is unchanged, and 200 with a new tag once it changes', async () => {
    const first = await t.http.get('/drive').set(alice.auth);
    expectStatus(first, 200);
    const etag = first.headers.etag;
    expect(etag).toBe(etagOf(first.text));
    expect(first.headers['cache-control']).toBe('private, no-cache');
    expect(first.headers.vary).toMatch(/Authorization/);

    const same = await t.http.get('/drive').set(alice.auth).set('If-None-Match', etag);
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    expect(same.headers.etag).toBe(etag);

    await alice.folder('New');
    const changed = await t.http.get('/drive').set(alice.auth).set('If-None-Match', etag);
    expectStatus(changed, 200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body.files_and_folders.map((item: { name: string }) => item.name)).toContain('New');
  });

  it('tags item reads too, and never answers one person with another’s tag', async () => {
    const folder = await alice.folder('Mine');
    const read = await t.http.get(`/drive/${folder.id}`).set(alice.auth);
    expectStatus(read, 200);
    const theirs = await t.http.get(`/drive/${folder.id}`).set(bob.auth).set('If-None-Match', read.headers.etag);
    expect(theirs.status).toBe(404);
    const account = await t.http.get('/user').set(alice.auth);
    expect((await t.http.get('/user').set(alice.auth).set('If-None-Match', account.headers.etag)).status).toBe(304);
  });

  it('leaves writes and errors untagged', async () => {
    const created = await t.http.post('/drive').set(alice.auth).send({ folder_name: 'Written' });
    expectStatus(created, 201);
    expect(created.headers.etag).toBeUndefined();
    const missing = await t.http.get('/drive/00000000-0000-4000-8000-000000000000').set(alice.auth);
    expect(missing.status).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
  });

  it('compares If-None-Match lists, weak tags and * as RFC 9110 says', () => {
    expect(matches('"a", W/"b"', '"b"')).toBe(true);
    expect(matches('*', '"z"')).toBe(true);
    expect(matches('"a"', '"b"')).toBe(false);
    expect(matches(undefined, '"b"')).toBe(false);
  });
});
