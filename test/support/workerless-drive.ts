import { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { Item, Upload } from './drive-files';
import { expectStatus } from './expectations';
import { Account, TestApp } from './test-app';

export interface UploadOptions {
  parentId?: string | null;
  conflict?: 'Keep' | 'Replace';
}

/**
 * One user's drive over HTTP, for an app without workers: the test plays the worker's part (sends the bytes,
 * then confirms them through the internal endpoint), so it decides when, and whether, an upload is confirmed.
 * Text files only; the database is looked at for what the API does not show (the quota's columns).
 */
export class WorkerlessDrive {
  constructor(
    protected readonly t: TestApp,
    readonly account: Account,
  ) {}

  get id(): string {
    return this.account.id;
  }

  get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.account.token}` };
  }

  async folder(name: string, parentId: string | null = null): Promise<Item> {
    const res = await this.t.http.post('/drive').set(this.auth).send({ folder_name: name, parent_folder_id: parentId });
    expectStatus(res, 201);
    return res.body;
  }

  /** POST /file for a text file of `size` bytes, whatever the answer. */
  requestUploadRaw(name: string, size: number, options: UploadOptions = {}): Promise<Response> {
    return this.t.http
      .post('/file')
      .set(this.auth)
      .send({
        file_name: name,
        file_size_in_bytes: size,
        parent_folder_id: options.parentId ?? null,
        content_type: 'text/plain',
        ...(options.conflict ? { file_conflict: options.conflict } : {}),
      });
  }

  /** POST /file, which must succeed: a pending upload, with its quota reserved. */
  async requestUpload(
    name: string,
    size: number,
    options: UploadOptions = {},
  ): Promise<{ file: Item; upload: Upload }> {
    const res = await this.requestUploadRaw(name, size, options);
    expectStatus(res, 201);
    return res.body;
  }

  /** The client's PUT to the presigned URL (the embedded store's route); nobody tells the API. */
  async send(upload: Upload, content: string): Promise<void> {
    const url = new URL(upload.url);
    const res = await this.t.http
      .put(url.pathname + url.search)
      .set('Content-Type', upload.headers['Content-Type'])
      .send(Buffer.from(content));
    expectStatus(res, 200);
  }

  /** The worker's confirmation of the file's pending upload, which must confirm it. */
  async confirm(fileId: string, content: string): Promise<void> {
    const res = await this.t.http
      .post('/confirm-file-upload')
      .set('X-Lambda-Secret', this.t.config.auth.lambdaSecret)
      .send({ file_id: fileId, size_in_bytes: Buffer.byteLength(content), content_type: 'text/plain' });
    expectStatus(res, 200);
    expect(res.body.status).toBe('confirmed');
  }

  /** The bytes sent, then confirmed. */
  async arrive(fileId: string, upload: Upload, content: string): Promise<void> {
    await this.send(upload, content);
    await this.confirm(fileId, content);
  }

  /** A confirmed file with these bytes. */
  async file(name: string, content: string, options: UploadOptions = {}): Promise<Item> {
    const { file, upload } = await this.requestUpload(name, Buffer.byteLength(content), options);
    await this.arrive(file.id, upload, content);
    return file;
  }

  /** The bytes of a file, downloaded through its presigned URL. */
  async download(fileId: string): Promise<string> {
    const res = await this.t.http.get(`/file/${fileId}`).set(this.auth);
    expectStatus(res, 200);
    const url = new URL(res.body.url);
    const bytes = await this.t.http.get(url.pathname + url.search);
    expectStatus(bytes, 200);
    return bytes.text;
  }

  /** Everything listed in a folder (or at the root), in one page. */
  async items(folderId: string | null = null): Promise<Item[]> {
    const res = await this.t.http
      .get(folderId === null ? '/drive' : `/drive/${folderId}`)
      .set(this.auth)
      .query({ limit: 1000 });
    expectStatus(res, 200);
    return res.body.files_and_folders;
  }

  /** The storage figures the root listing shows. */
  async storage(): Promise<{ used: number; available: number; total: number }> {
    const res = await this.t.http.get('/drive').set(this.auth);
    expectStatus(res, 200);
    const user = res.body.user;
    return {
      used: user.used_storage_in_bytes,
      available: user.available_storage_in_bytes,
      total: user.total_storage_in_bytes,
    };
  }

  /** The quota columns of the users table. */
  async quota(): Promise<{ used: number; reserved: number }> {
    const rows: { used: string; reserved: string }[] = await this.t.app
      .get(DataSource)
      .query('SELECT used_bytes AS used, reserved_bytes AS reserved FROM users WHERE id = $1', [this.id]);
    return { used: Number(rows[0].used), reserved: Number(rows[0].reserved) };
  }

  /** DELETE /drive/{id} or DELETE /file/{id}, which must succeed. */
  async remove(item: Item): Promise<void> {
    const res = await this.t.http
      .delete(item.kind === 'folder' ? `/drive/${item.id}` : `/file/${item.id}`)
      .set(this.auth);
    expectStatus(res, 204);
  }

  listTrash(query: Record<string, string | number> = {}): Promise<Response> {
    return this.t.http.get('/trash').set(this.auth).query(query);
  }

  /** All of the trash, in one page. */
  async trash(): Promise<Item[]> {
    const res = await this.listTrash({ limit: 1000 });
    expectStatus(res, 200);
    expect(res.body.next_cursor).toBeNull();
    return res.body.items;
  }
}
