import { ApiError, createCloudDriveClient, CloudDriveClient, Item, putUpload, unwrap } from '@app/sdk';
import { newUserBody } from '@app/testing';
import { eventually } from './support/drive-files';
import { startTestApp, TestApp } from './support/test-app';

/**
 * A client's whole journey through the SDK alone (no supertest, no hand-written request): the real API in the
 * embedded mode, its in-process workers confirming the uploads.
 */
describe('the SDK, end to end', () => {
  let t: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
    baseUrl = await t.app.getUrl();
  });
  afterAll(() => t.close());

  /** Registers and logs in through the SDK: a client that sends the new token. */
  async function signUp(): Promise<{ client: CloudDriveClient; username: string }> {
    let token: string | null = null;
    const client = createCloudDriveClient({ baseUrl, token: () => token });
    const user = newUserBody();
    await unwrap(client.POST('/user', { body: user }));
    const login = await unwrap(client.POST('/login', { body: { username: user.username, password: user.password } }));
    token = login.access_token;
    return { client, username: user.username };
  }

  const listing = async (client: CloudDriveClient, folderId: string): Promise<Item[]> =>
    (await unwrap(client.GET('/drive/{folder_id}', { params: { path: { folder_id: folderId } } }))).files_and_folders;

  it('registers, uploads a folder of files, lists, downloads, shares, trashes and restores', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const { client } = alice;

    const verified = await unwrap(client.GET('/verify-token'));
    expect(verified.username).toBe(alice.username);

    const folder = await unwrap(client.POST('/drive', { body: { folder_name: 'Reports' } }));
    const contents = { 'a.txt': 'first file', 'b.txt': 'the second file' };
    const { results } = await unwrap(
      client.POST('/files', {
        body: {
          files: Object.entries(contents).map(([name, text]) => ({
            file_name: name,
            file_size_in_bytes: Buffer.byteLength(text),
            parent_folder_id: folder.id,
            content_type: 'text/plain',
          })),
        },
      }),
    );
    expect(results.map((result) => result.status)).toEqual([201, 201]);
    await Promise.all(
      results.map((result, index) => putUpload(result.upload!, Buffer.from(Object.values(contents)[index]))),
    );

    const listed = await eventually('both files confirmed', async () => {
      const items = await listing(client, folder.id);
      return items.length === 2 ? items : undefined;
    });
    expect(listed.map((item) => [item.name, item.size_in_bytes])).toEqual([
      ['a.txt', 10],
      ['b.txt', 15],
    ]);

    const download = await unwrap(client.GET('/file/{file_id}', { params: { path: { file_id: listed[1].id } } }));
    expect(await (await fetch(download.url)).text()).toBe(contents['b.txt']);

    // A share: Bob sees the folder, lists it and downloads from it; revoked, he sees nothing.
    const share = await unwrap(
      client.POST('/share', {
        body: { share_object_type: 'folder', folder_id: folder.id, username: bob.username, permission: 'view' },
      }),
    );
    const shared = await unwrap(bob.client.GET('/shared-with-me'));
    expect(shared.content.map((item) => item.name)).toEqual(['Reports']);
    expect((await listing(bob.client, folder.id)).map((item) => item.name)).toEqual(['a.txt', 'b.txt']);
    const bobs = await unwrap(bob.client.GET('/file/{file_id}', { params: { path: { file_id: listed[0].id } } }));
    expect(await (await fetch(bobs.url)).text()).toBe(contents['a.txt']);
    const grants = await unwrap(client.GET('/share', { params: { query: { folder_id: folder.id } } }));
    expect(grants.shares.map((grant) => [grant.recipient.username, grant.permission])).toEqual([
      [bob.username, 'view'],
    ]);
    await unwrap(client.DELETE('/share/{share_id}', { params: { path: { share_id: share.id } } }));
    expect((await unwrap(bob.client.GET('/shared-with-me'))).content).toEqual([]);
    const refused = await bob.client.GET('/drive/{folder_id}', { params: { path: { folder_id: folder.id } } });
    const error = ApiError.from(refused.response, refused.error);
    expect([error.status, error.code]).toEqual([404, 'folder_not_found']);
    expect(error.detail).toMatch(/\S/);

    // Trash and restore.
    await unwrap(client.DELETE('/file/{file_id}', { params: { path: { file_id: listed[0].id } } }));
    expect((await listing(client, folder.id)).map((item) => item.name)).toEqual(['b.txt']);
    const trash = await unwrap(client.GET('/trash'));
    expect(trash.items.map((item) => item.name)).toEqual(['a.txt']);
    await unwrap(client.POST('/trash/{item_id}/restore', { params: { path: { item_id: listed[0].id } } }));
    expect((await listing(client, folder.id)).map((item) => item.name)).toEqual(['a.txt', 'b.txt']);
    expect((await unwrap(client.GET('/trash'))).items).toEqual([]);
  });

  it('turns a problem+json answer into an ApiError with its detail', async () => {
    const client = createCloudDriveClient({ baseUrl });
    const login = client.POST('/login', { body: { username: 'nobody_here', password: 'not-the-password' } });
    await expect(unwrap(login)).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
  });
});
