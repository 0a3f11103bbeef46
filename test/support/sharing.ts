/**
 * Sharing over HTTP, for the suites that need users with grants on each other's items: a user's drive that can
 * also share, and files made confirmed without a worker (the test plays the worker's part).
 */
import { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { FileDrive, Item, sendBytes } from './drive-files';
import { expectStatus } from './expectations';
import { registerAndLogin, TestApp } from './test-app';

export interface Share {
  id: string;
  kind: 'file' | 'folder';
  item_id: string;
  item_name: string;
  recipient: { id: string; username: string };
  permission: 'view' | 'edit';
  created_at: string;
}

/** One user, who can drive their files and folders and share them (and list what is shared with them). */
export class SharingDrive extends FileDrive {
  constructor(
    private readonly t: TestApp,
    account: FileDrive['account'],
  ) {
    super(t.http, account);
  }

  /** POST /share with exactly this body. */
  shareRequest(body: unknown): Promise<Response> {
    return this.t.http
      .post('/share')
      .set(this.auth)
      .send(body as object);
  }

  /** Shares the item with `recipient` (a drive, or a username or e-mail), which must succeed. */
  async share(item: Item, recipient: SharingDrive | string, permission: 'view' | 'edit'): Promise<Share> {
    const res = await this.shareRequest({
      share_object_type: item.kind,
      [item.kind === 'file' ? 'file_id' : 'folder_id']: item.id,
      username: typeof recipient === 'string' ? recipient : recipient.account.username,
      permission,
    });
    expectStatus(res, 201);
    return res.body;
  }

  /** GET /share for the item. */
  sharesOf(item: Item): Promise<Response> {
    return this.t.http
      .get('/share')
      .set(this.auth)
      .query({ [item.kind === 'file' ? 'file_id' : 'folder_id']: item.id });
  }

  patchShare(shareId: string, body: unknown): Promise<Response> {
    return this.t.http
      .patch(`/share/${shareId}`)
      .set(this.auth)
      .send(body as object);
  }

  deleteShare(shareId: string): Promise<Response> {
    return this.t.http.delete(`/share/${shareId}`).set(this.auth);
  }

  sharedWithMe(query: Record<string, string | number> = {}): Promise<Response> {
    return this.t.http.get('/shared-with-me').set(this.auth).query(query);
  }

  /** GET /drive/{id}. */
  listing(folderId: string): Promise<Response> {
    return this.t.http.get(`/drive/${folderId}`).set(this.auth).query({ limit: 1000 });
  }

  patchFolder(folderId: string, body: unknown): Promise<Response> {
    return this.t.http
      .patch(`/drive/${folderId}`)
      .set(this.auth)
      .send(body as object);
  }

  removeFolder(folderId: string): Promise<Response> {
    return this.t.http.delete(`/drive/${folderId}`).set(this.auth);
  }

  trash(): Promise<Response> {
    return this.t.http.get('/trash').set(this.auth);
  }

  restore(itemId: string): Promise<Response> {
    return this.t.http.post(`/trash/${itemId}/restore`).set(this.auth);
  }

  /**
   * A file with these bytes, confirmed at once: uploaded to its presigned URL, then confirmed through the internal
   * endpoint as the worker would.
   */
  async confirmedFile(
    name: string,
    parentId: string | null = null,
    bytes = Buffer.from(name),
    conflict?: 'Replace',
  ): Promise<Item> {
    const { file, upload } = await this.startUpload(name, bytes, {
      parent_folder_id: parentId,
      ...(conflict ? { file_conflict: conflict } : {}),
    });
    await sendBytes(upload, bytes);
    const confirmed = await this.t.http
      .post('/confirm-file-upload')
      .set('X-Lambda-Secret', this.t.config.auth.lambdaSecret)
      .send({ file_id: file.id, size_in_bytes: bytes.length, content_type: 'application/octet-stream' });
    expectStatus(confirmed, 200);
    return { ...file, size_in_bytes: bytes.length };
  }

  /** GET /file/{id}/versions, which must succeed. */
  async versionsOf(fileId: string): Promise<{ versions: { version_id: string; size_in_bytes: number }[] }> {
    const res = await this.t.http.get(`/file/${fileId}/versions`).set(this.auth);
    expectStatus(res, 200);
    return res.body;
  }

  deleteVersion(fileId: string, versionId: string): Promise<Response> {
    return this.t.http.delete(`/file/${fileId}/versions/${versionId}`).set(this.auth);
  }

  /** A file with an earlier version (its first bytes, replaced): the file and the version's id. */
  async fileWithVersion(name: string, parentId: string | null = null): Promise<{ file: Item; versionId: string }> {
    const file = await this.confirmedFile(name, parentId);
    await this.confirmedFile(name, parentId, Buffer.from(`${name}, replaced`), 'Replace');
    return { file, versionId: (await this.versionsOf(file.id)).versions[0].version_id };
  }
}

/** A new user with an empty drive. */
export async function newSharingDrive(t: TestApp): Promise<SharingDrive> {
  return new SharingDrive(t, await registerAndLogin(t.http));
}

/** Deletes the account row outright, as DELETE /user does once the password is checked (without its objects). */
export async function deleteAccount(t: TestApp, userId: string): Promise<void> {
  await t.app.get(DataSource).query('DELETE FROM users WHERE id = $1', [userId]);
}
