import { randomBytes, randomUUID } from 'node:crypto';
import { ObjectStorage, objectKeys } from '@app/storage';
import {
  download,
  expectAttachmentOf,
  expectProblem,
  expectStatus,
  expectValidationError,
  FileDrive,
  FileUpload,
  ISO_UTC,
  Item,
  pngImage,
  put,
  sendBytes,
  Upload,
  UUID_V4,
} from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { ITEM_KEYS } from './support/expectations';

const FIVE_GIB = 5 * 1024 ** 3;
const UPLOAD_TTL_SECONDS = 15 * 60;
const DOWNLOAD_TTL_SECONDS = 60;

/** A new user, with an empty drive. */
async function newDrive(t: TestApp): Promise<FileDrive> {
  return new FileDrive(t.http, await registerAndLogin(t.http));
}

const text = (value: string): Buffer => Buffer.from(value, 'utf8');
const names = (items: Item[]): string[] => items.map((item) => item.name);

/** The object key a local store's presigned URL names (`/storage/<key>`). */
function keyOf(upload: Upload): string {
  return decodeURIComponent(new URL(upload.url).pathname.slice('/storage/'.length));
}

/** The same URL with one hex digit of its signature changed. */
function tamperedSignature(url: string): string {
  const parsed = new URL(url);
  const sig = parsed.searchParams.get('sig')!;
  parsed.searchParams.set('sig', sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'));
  return parsed.toString();
}

describe('uploading a file: POST /file, the bytes, the worker (embedded workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  it('answers 201 with the pending file and a presigned PUT that pins the size and the type', async () => {
    const drive = await newDrive(t);
    const before = Date.now();
    const res = await drive.requestUpload({
      file_name: 'report.pdf',
      file_size_in_bytes: 1234,
      content_type: 'application/pdf',
    });
    expectStatus(res, 201);
    expect(res.headers['content-type']).toMatch(/^application\/json\b/);
    expect(Object.keys(res.body).sort()).toEqual(['file', 'upload']);

    const { file, upload } = res.body as FileUpload;
    expect(Object.keys(file).sort()).toEqual(ITEM_KEYS);
    expect(file).toMatchObject({
      id: expect.stringMatching(UUID_V4),
      kind: 'file',
      name: 'report.pdf',
      size_in_bytes: 1234,
      type: 'pdf',
      created_at: expect.stringMatching(ISO_UTC),
      last_interaction: expect.stringMatching(ISO_UTC),
      parent_folder_id: null,
      preview_ready: false,
      preview_status: 'none',
      owner: { id: drive.account.id, username: drive.account.username },
      permission: 'owner',
    });

    expect(Object.keys(upload).sort()).toEqual(['expires_at', 'headers', 'method', 'url']);
    expect(upload.method).toBe('PUT');
    expect(upload.url.startsWith(`${t.config.storage.publicUrl}/storage/`)).toBe(true);
    expect(upload.headers).toEqual({
      'Content-Type': 'application/pdf',
      'Content-Length': '1234',
      'If-None-Match': '*',
    });
    expect(upload.expires_at).toMatch(ISO_UTC);
    const expiresAt = new Date(upload.expires_at).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + (UPLOAD_TTL_SECONDS - 1) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + (UPLOAD_TTL_SECONDS + 1) * 1000);
    // The URL is for this file's object, and only this file's.
    expect(keyOf(upload)).toBe(objectKeys.file(drive.account.id, file.id));
  });

  it('signs application/octet-stream when no content_type is given', async () => {
    const drive = await newDrive(t);
    const { upload } = await drive.startUpload('blob', 3);
    expect(upload.headers).toEqual({
      'Content-Type': 'application/octet-stream',
      'Content-Length': '3',
      'If-None-Match': '*',
    });
  });

  it('does not list the file until its bytes arrive; then lists it with its size and the type sniffed from the bytes', async () => {
    const drive = await newDrive(t);
    const png = pngImage();
    const { file, upload } = await drive.startUpload('x.bin', png, { content_type: 'application/octet-stream' });
    expect(await drive.listed(file.id)).toBeUndefined();
    expect(await drive.items()).toEqual([]);

    await sendBytes(upload, png);
    // Listed once confirmed; its preview follows (the bytes are an image).
    const listed = await drive.waitForFile(file.id, (item) => item.preview_status === 'ready');
    expect(listed).toEqual({
      ...file,
      size_in_bytes: png.length,
      // The bytes say PNG, whatever the name or the declared type.
      content_type: 'image/png',
      type: 'bin',
      last_interaction: expect.stringMatching(ISO_UTC),
      preview_status: 'ready',
      preview_ready: true,
    });
    expect(await drive.bytesOf(file.id)).toEqual(png);
  });

  it('keeps the declared type when the bytes have no signature (text/plain stays text/plain)', async () => {
    const drive = await newDrive(t);
    const bytes = text('Just some plain words.\n');
    const listed = await drive.upload('notes.txt', bytes, { content_type: 'text/plain' });
    expect(listed).toMatchObject({ name: 'notes.txt', type: 'txt', content_type: 'text/plain', size_in_bytes: 23 });
  });

  it('takes an empty file', async () => {
    const drive = await newDrive(t);
    const listed = await drive.upload('empty.txt', Buffer.alloc(0), { content_type: 'text/plain' });
    expect(listed).toMatchObject({ name: 'empty.txt', size_in_bytes: 0, content_type: 'text/plain' });
    expect(await drive.bytesOf(listed.id)).toEqual(Buffer.alloc(0));
  });

  it('answers GET /file/{id} with a presigned download that returns the bytes byte for byte, as an attachment under the exact Unicode name', async () => {
    const drive = await newDrive(t);
    const name = 'résumé 你好.txt';
    const bytes = text('Curriculum vitæ — 履歴書 🎓\n');
    const item = await drive.upload(name, bytes, { content_type: 'text/plain' });

    const before = Date.now();
    const res = await drive.get(item.id);
    expectStatus(res, 200);
    expect(Object.keys(res.body).sort()).toEqual(['expires_at', 'file', 'url']);
    expect(res.body.file).toEqual(item);
    expect(res.body.expires_at).toMatch(ISO_UTC);
    const expiresAt = new Date(res.body.expires_at).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + (DOWNLOAD_TTL_SECONDS - 1) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + (DOWNLOAD_TTL_SECONDS + 1) * 1000);

    const got = await download(res.body.url);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(bytes);
    expect(got.headers.get('content-length')).toBe(String(bytes.length));
    expect(got.headers.get('content-type')).toMatch(/^text\/plain\b/);
    expectAttachmentOf(got.headers, name);
  });

  it('returns a larger binary file byte for byte', async () => {
    const drive = await newDrive(t);
    const bytes = randomBytes(1024 * 1024 + 7);
    const item = await drive.upload('random.dat', bytes);
    expect(item.size_in_bytes).toBe(bytes.length);
    expect((await drive.bytesOf(item.id)).equals(bytes)).toBe(true);
  });

  it('answers a pending file’s download with 409 file_not_ready', async () => {
    const drive = await newDrive(t);
    const { file } = await drive.startUpload('later.txt', 10, { content_type: 'text/plain' });
    expectProblem(await drive.get(file.id), 409, 'file_not_ready');
  });

  it('reserves a pending upload’s size, and counts it as used once confirmed: available = total − used − reserved', async () => {
    const drive = await newDrive(t);
    const start = await drive.figures();
    expect(start).toEqual({
      username: drive.account.username,
      email: drive.account.email,
      used_storage_in_bytes: 0,
      available_storage_in_bytes: FIVE_GIB,
      total_storage_in_bytes: FIVE_GIB,
    });

    const first = text('a'.repeat(300));
    const { file, upload } = await drive.startUpload('first.txt', first, { content_type: 'text/plain' });
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: 0,
      available_storage_in_bytes: FIVE_GIB - 300,
      total_storage_in_bytes: FIVE_GIB,
    });

    await sendBytes(upload, first);
    await drive.waitForFile(file.id);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: 300,
      available_storage_in_bytes: FIVE_GIB - 300,
    });

    // One more pending beside the confirmed one.
    await drive.startUpload('second.txt', 50, { content_type: 'text/plain' });
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: 300,
      available_storage_in_bytes: FIVE_GIB - 300 - 50,
      total_storage_in_bytes: FIVE_GIB,
    });
  });

  it('uploads into a folder: listed there, not at the root', async () => {
    const drive = await newDrive(t);
    const folder = await drive.folder('Inbox');
    const bytes = text('in a folder\n');
    const { file, upload } = await drive.startUpload('inside.txt', bytes, {
      parent_folder_id: folder.id,
      content_type: 'text/plain',
    });
    expect(file.parent_folder_id).toBe(folder.id);
    await sendBytes(upload, bytes);
    const listed = await drive.waitForFile(file.id, undefined, folder.id);
    expect(listed.parent_folder_id).toBe(folder.id);
    expect(await drive.listed(file.id)).toBeUndefined();
    expect(await drive.bytesOf(file.id)).toEqual(bytes);
  });

  it('answers a missing file, a folder, or another user’s file with the same 404 file_not_found', async () => {
    const drive = await newDrive(t);
    const other = await newDrive(t);
    const theirs = await other.upload('secret.txt', text('not for you\n'), { content_type: 'text/plain' });
    const folder = await drive.folder('Not a file');
    const missing = await drive.get(randomUUID());
    expectProblem(missing, 404, 'file_not_found');
    expectProblem(await drive.get(folder.id), 404, 'file_not_found');
    const foreign = await drive.get(theirs.id);
    expectProblem(foreign, 404, 'file_not_found');
    expect(foreign.body).toEqual(missing.body);
    expect(foreign.text).not.toContain('secret');
  });

  it('refuses a malformed id with 422 naming file_id', async () => {
    const drive = await newDrive(t);
    expectValidationError(await drive.get('not-a-uuid'), 'file_id');
    expectValidationError(await drive.get(`${randomUUID()}x`), 'file_id');
  });

  it('needs a bearer token', async () => {
    const res = await t.http.post('/file').send({ file_name: 'a.txt', file_size_in_bytes: 1 });
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expectProblem(await t.http.get(`/file/${randomUUID()}`), 401, 'unauthorized');
  });
});

describe('validating upload requests (MAX_UPLOAD_BYTES=1000)', () => {
  let t: TestApp;
  let drive: FileDrive;
  beforeAll(async () => {
    t = await startTestApp({ MAX_UPLOAD_BYTES: '1000' });
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  /** What the accepted requests reserved: whatever was refused reserved nothing. */
  let reserved = 0;
  afterEach(async () => {
    const figures = await drive.figures();
    expect(figures.total_storage_in_bytes - figures.available_storage_in_bytes).toBe(reserved);
  });
  const accepted = async (body: Record<string, unknown>): Promise<FileUpload> => {
    const res = await drive.requestUpload(body);
    expectStatus(res, 201);
    reserved += res.body.file.size_in_bytes;
    return res.body;
  };

  it.each([
    ['negative', -1],
    ['not an integer', 1.5],
    ['a numeric string', '10'],
    ['a string', 'ten'],
    ['null', null],
    ['a boolean', true],
    ['an object', { bytes: 10 }],
  ])('refuses a file_size_in_bytes that is %s with 422 naming it', async (_, size) => {
    expectValidationError(
      await drive.requestUpload({ file_name: 'a.txt', file_size_in_bytes: size }),
      'file_size_in_bytes',
    );
  });

  it('refuses a missing file_size_in_bytes with 422 naming it', async () => {
    expectValidationError(await drive.requestUpload({ file_name: 'a.txt' }), 'file_size_in_bytes');
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['of 256 characters', 'a'.repeat(256)],
    ['with a slash', 'a/b.txt'],
    ['with a backslash', 'a\\b.txt'],
    ['with NUL', 'a\u0000b'],
    ['with a control character', 'a\u0007b'],
    ['with a newline', 'a\nb'],
    ['"."', '.'],
    ['".."', '..'],
    ['a number', 42],
    ['null', null],
    ['an array', ['a.txt']],
  ])('refuses a file_name %s with 422 naming it', async (_, name) => {
    expectValidationError(await drive.requestUpload({ file_name: name, file_size_in_bytes: 1 }), 'file_name');
  });

  it('refuses a missing file_name with 422 naming it', async () => {
    expectValidationError(await drive.requestUpload({ file_size_in_bytes: 1 }), 'file_name');
  });

  it('normalises the name: trimmed, in Unicode NFC, up to 255 characters', async () => {
    expect((await accepted({ file_name: '  spaced.txt \t', file_size_in_bytes: 1 })).file.name).toBe('spaced.txt');
    expect((await accepted({ file_name: 'Cafe\u0301.txt', file_size_in_bytes: 1 })).file.name).toBe('Caf\u00e9.txt');
    const long = `${'n'.repeat(251)}.txt`;
    expect((await accepted({ file_name: long, file_size_in_bytes: 1 })).file.name).toBe(long);
  });

  it('takes sizes from 0 up to MAX_UPLOAD_BYTES', async () => {
    await accepted({ file_name: 'zero.bin', file_size_in_bytes: 0 });
    await accepted({ file_name: 'max.bin', file_size_in_bytes: 1000 });
  });

  it('refuses a size over MAX_UPLOAD_BYTES with 413 file_too_large', async () => {
    const res = await drive.requestUpload({ file_name: 'big.bin', file_size_in_bytes: 1001 });
    expectProblem(res, 413, 'file_too_large');
    expectProblem(
      await drive.requestUpload({ file_name: 'huge.bin', file_size_in_bytes: 6 * 1024 ** 3 }),
      413,
      'file_too_large',
    );
    expect(await drive.items()).toEqual([]);
  });

  it.each([
    ['without a slash', 'png'],
    ['with a space', 'image/ png'],
    ['with CR LF', 'text/plain\r\nX-Evil: 1'],
    ['with a NUL', 'text/pl\u0000ain'],
    ['empty', ''],
    ['of 256 characters', `application/${'x'.repeat(244)}`],
    ['a number', 42],
  ])('refuses a content_type %s with 422 naming it', async (_, contentType) => {
    expectValidationError(
      await drive.requestUpload({ file_name: 'typed.bin', file_size_in_bytes: 1, content_type: contentType }),
      'content_type',
    );
  });

  it('takes common media types as content_type', async () => {
    for (const contentType of ['image/png', 'application/vnd.ms-excel', 'image/svg+xml', 'text/x-c++src']) {
      const { upload } = await accepted({
        file_name: `typed-${contentType.replace('/', '_')}`,
        file_size_in_bytes: 1,
        content_type: contentType,
      });
      expect(upload.headers['Content-Type']).toBe(contentType);
    }
  });

  it.each([
    ['lower-case keep', 'keep'],
    ['an unknown mode', 'Overwrite'],
    ['a number', 1],
  ])('refuses a file_conflict that is %s with 422 naming it', async (_, mode) => {
    expectValidationError(
      await drive.requestUpload({ file_name: 'c.txt', file_size_in_bytes: 1, file_conflict: mode }),
      'file_conflict',
    );
  });

  it('refuses an unknown field with 422 naming it', async () => {
    expectValidationError(
      await drive.requestUpload({ file_name: 'u.txt', file_size_in_bytes: 1, colour: 'red' }),
      'colour',
    );
  });

  it('refuses a body that is not a JSON object with 422', async () => {
    expectValidationError(await drive.requestUpload([{ file_name: 'u.txt', file_size_in_bytes: 1 }]), 'body');
  });

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['a number', 7],
    ['a UUID with garbage after it', `${randomUUID()}x`],
  ])('refuses a parent_folder_id that is %s with 422 naming it', async (_, parentId) => {
    expectValidationError(
      await drive.requestUpload({ file_name: 'p.txt', file_size_in_bytes: 1, parent_folder_id: parentId }),
      'parent_folder_id',
    );
  });

  it('answers a missing, deleted, foreign or non-folder parent alike: 404 folder_not_found', async () => {
    const request = (parentId: string) =>
      drive.requestUpload({ file_name: 'orphan.txt', file_size_in_bytes: 1, parent_folder_id: parentId });
    const missing = await request(randomUUID());
    expectProblem(missing, 404, 'folder_not_found');

    const other = await newDrive(t);
    const theirs = await other.folder('Their folder');
    const foreign = await request(theirs.id);
    expectProblem(foreign, 404, 'folder_not_found');
    expect(foreign.body).toEqual(missing.body);

    const gone = await drive.folder('Gone');
    expectStatus(await t.http.delete(`/drive/${gone.id}`).set(drive.auth), 204);
    expectProblem(await request(gone.id), 404, 'folder_not_found');

    const aFile = await accepted({ file_name: 'not-a-folder.txt', file_size_in_bytes: 1 });
    expectProblem(await request(aFile.file.id), 404, 'folder_not_found');
  });

  it('accepts parent_folder_id null as the root', async () => {
    const { file } = await accepted({ file_name: 'at-root.txt', file_size_in_bytes: 1, parent_folder_id: null });
    expect(file.parent_folder_id).toBeNull();
  });

  it('refuses malformed ids in the path of GET, PATCH and DELETE /file/{id} with 422 naming file_id', async () => {
    for (const id of ['nope', '123', `${randomUUID()}0`]) {
      expectValidationError(await drive.get(id), 'file_id');
      expectValidationError(await drive.patch(id, { file_name: 'x.txt' }), 'file_id');
      expectValidationError(await drive.remove(id), 'file_id');
    }
  });
});

describe('quota (USER_QUOTA_BYTES=1000, embedded workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ USER_QUOTA_BYTES: '1000', EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  it('lets pending uploads reserve their size: two of 400 fit, a third is 507 quota_exceeded before any byte is sent', async () => {
    const drive = await newDrive(t);
    expect(await drive.figures()).toMatchObject({ total_storage_in_bytes: 1000, available_storage_in_bytes: 1000 });
    await drive.startUpload('one.bin', 400);
    await drive.startUpload('two.bin', 400);
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 0, available_storage_in_bytes: 200 });

    const third = await drive.requestUpload({ file_name: 'three.bin', file_size_in_bytes: 400 });
    expectProblem(third, 507, 'quota_exceeded');
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 0, available_storage_in_bytes: 200 });

    // What is left still fits, to the byte.
    await drive.startUpload('rest.bin', 200);
    expect(await drive.figures()).toMatchObject({ available_storage_in_bytes: 0 });
    expectProblem(
      await drive.requestUpload({ file_name: 'one-more.bin', file_size_in_bytes: 1 }),
      507,
      'quota_exceeded',
    );
    // An empty file takes nothing.
    await drive.startUpload('nothing.bin', 0);
  });

  it('counts confirmed files as used, beside what pending uploads reserve', async () => {
    const drive = await newDrive(t);
    await drive.upload('kept.txt', text('k'.repeat(400)), { content_type: 'text/plain' });
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 400, available_storage_in_bytes: 600 });
    await drive.startUpload('pending.bin', 500);
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 400, available_storage_in_bytes: 100 });
    expectProblem(await drive.requestUpload({ file_name: 'over.bin', file_size_in_bytes: 101 }), 507, 'quota_exceeded');
  });

  it('fits a file exactly the size of the quota, not one byte more', async () => {
    const drive = await newDrive(t);
    expectProblem(
      await drive.requestUpload({ file_name: 'over.bin', file_size_in_bytes: 1001 }),
      507,
      'quota_exceeded',
    );
    await drive.startUpload('exact.bin', 1000);
  });

  it('grants quota to the items of a POST /files in the request’s order', async () => {
    const drive = await newDrive(t);
    const res = await drive.requestUploads([
      { file_name: 'a.bin', file_size_in_bytes: 600 },
      { file_name: 'b.bin', file_size_in_bytes: 600 },
      { file_name: 'c.bin', file_size_in_bytes: 300 },
      { file_name: 'd.bin', file_size_in_bytes: 101 },
    ]);
    expectStatus(res, 200);
    expect(res.body.results.map((result: { status: number }) => result.status)).toEqual([201, 507, 201, 507]);
    expect(res.body.results[1].error).toMatchObject({ code: 'quota_exceeded', status: 507 });
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 0, available_storage_in_bytes: 100 });
    // What was refused left nothing behind: its name is free.
    await drive.startUpload('b.bin', 100);
  });

  it('answers a batch item as it alone would have been answered: a taken name over the quota is 507 either way', async () => {
    const drive = await newDrive(t);
    await drive.startUpload('full.bin', 1000);
    const alone = await drive.requestUpload({ file_name: 'full.bin', file_size_in_bytes: 10 });
    const batch = await drive.requestUploads([{ file_name: 'full.bin', file_size_in_bytes: 10 }]);
    expectStatus(batch, 200);
    expect(batch.body.results[0].status).toBe(alone.status);
    expect(batch.body.results[0].error.code).toBe(alone.body.code);
  });

  it('does not let a batch item refused for quota hold its name against a later item of the batch', async () => {
    const drive = await newDrive(t);
    const res = await drive.requestUploads([
      { file_name: 'dup.bin', file_size_in_bytes: 2000 },
      { file_name: 'DUP.bin', file_size_in_bytes: 10 },
    ]);
    expectStatus(res, 200);
    // One after the other, alone: the first does not fit, so the name is free for the second.
    expect(res.body.results.map((result: { status: number }) => result.status)).toEqual([507, 201]);
    expect(res.body.results[1].file?.name).toBe('DUP.bin');
  });

  it('counts each user on their own', async () => {
    const [a, b] = [await newDrive(t), await newDrive(t)];
    await a.startUpload('full.bin', 1000);
    await b.startUpload('full.bin', 1000);
    expect((await a.figures()).available_storage_in_bytes).toBe(0);
    expect((await b.figures()).available_storage_in_bytes).toBe(0);
  });
});

describe('quota under concurrency (USER_QUOTA_BYTES=500)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ USER_QUOTA_BYTES: '500' });
  });
  afterAll(() => t.close());

  it('lets exactly 50 of 100 simultaneous 10-byte uploads reserve; the rest are 507', async () => {
    const drive = await newDrive(t);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        drive.requestUpload({ file_name: `part-${i}.bin`, file_size_in_bytes: 10 }),
      ),
    );
    const statuses = results.map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(50);
    expect(statuses.filter((status) => status === 507)).toHaveLength(50);
    for (const res of results.filter((r) => r.status === 507)) expectProblem(res, 507, 'quota_exceeded');
    const created = results.filter((res) => res.status === 201).map((res) => res.body.file.id as string);
    expect(new Set(created).size).toBe(50);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: 0,
      available_storage_in_bytes: 0,
      total_storage_in_bytes: 500,
    });
  });
});

describe('name conflicts: none, Keep, Replace (embedded workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  it('without a mode, a taken name is 409 file_name_conflict naming the file that holds it', async () => {
    const drive = await newDrive(t);
    const holder = await drive.upload('photo.png', pngImage(), { content_type: 'image/png' });
    for (const mode of [{}, { file_conflict: null }]) {
      const res = await drive.requestUpload({ file_name: 'photo.png', file_size_in_bytes: 5, ...mode });
      expectProblem(res, 409, 'file_name_conflict');
      expect(res.body.conflicting_file_id).toBe(holder.id);
    }
    expect(names(await drive.items())).toEqual(['photo.png']);
    expect(await drive.figures()).toMatchObject({ available_storage_in_bytes: FIVE_GIB - holder.size_in_bytes! });
  });

  it('names the holder when it is still a pending upload', async () => {
    const drive = await newDrive(t);
    const { file } = await drive.startUpload('draft.txt', 4, { content_type: 'text/plain' });
    const res = await drive.requestUpload({ file_name: 'draft.txt', file_size_in_bytes: 4 });
    expectProblem(res, 409, 'file_name_conflict');
    expect(res.body.conflicting_file_id).toBe(file.id);
  });

  it('compares names case-insensitively and after NFC normalisation', async () => {
    const drive = await newDrive(t);
    const { file } = await drive.startUpload('Résumé.PDF', 4);
    for (const name of ['résumé.pdf', 'RÉSUMÉ.pdf', 'Re\u0301sume\u0301.pdf', ' résumé.pdf ']) {
      const res = await drive.requestUpload({ file_name: name, file_size_in_bytes: 4 });
      expectProblem(res, 409, 'file_name_conflict');
      expect(res.body.conflicting_file_id).toBe(file.id);
    }
  });

  it('conflicts with a folder of the same name too, naming it', async () => {
    const drive = await newDrive(t);
    const folder = await drive.folder('Archive');
    const res = await drive.requestUpload({ file_name: 'archive', file_size_in_bytes: 1 });
    expectProblem(res, 409, 'file_name_conflict');
    expect(res.body.conflicting_file_id).toBe(folder.id);
  });

  it('allows the same name in another folder', async () => {
    const drive = await newDrive(t);
    await drive.startUpload('same.txt', 1);
    const folder = await drive.folder('Elsewhere');
    const { file } = await drive.startUpload('same.txt', 1, { parent_folder_id: folder.id });
    expect(file.name).toBe('same.txt');
  });

  it('Keep gives the new file a free name: photo(1).png, then photo(2).png', async () => {
    const drive = await newDrive(t);
    const png = pngImage();
    const original = await drive.upload('photo.png', png, { content_type: 'image/png' });
    const first = await drive.startUpload('photo.png', png, { content_type: 'image/png', file_conflict: 'Keep' });
    expect(first.file.name).toBe('photo(1).png');
    expect(first.file.id).not.toBe(original.id);
    const second = await drive.startUpload('PHOTO.png', png, { content_type: 'image/png', file_conflict: 'Keep' });
    expect(second.file.name).toBe('PHOTO(2).png');
    await Promise.all([sendBytes(first.upload, png), sendBytes(second.upload, png)]);
    await drive.waitForFiles([first.file.id, second.file.id]);
    expect(names(await drive.items()).sort()).toEqual(['PHOTO(2).png', 'photo(1).png', 'photo.png']);
    expect(await drive.bytesOf(original.id)).toEqual(png);
  });

  it('Keep counts on from the number a name already has: photo(3).png taken gives photo(4).png', async () => {
    const drive = await newDrive(t);
    await drive.startUpload('photo(3).png', 1);
    const kept = await drive.startUpload('photo(3).png', 1, { file_conflict: 'Keep' });
    expect(kept.file.name).toBe('photo(4).png');
    const again = await drive.startUpload('photo(3).png', 1, { file_conflict: 'Keep' });
    expect(again.file.name).toBe('photo(5).png');
  });

  it('Keep skips numbers that are taken, and numbers names without an extension', async () => {
    const drive = await newDrive(t);
    await drive.startUpload('notes', 1);
    await drive.startUpload('notes(1)', 1);
    expect((await drive.startUpload('notes', 1, { file_conflict: 'Keep' })).file.name).toBe('notes(2)');
  });

  it('Keep with a free name keeps it', async () => {
    const drive = await newDrive(t);
    expect((await drive.startUpload('free.txt', 1, { file_conflict: 'Keep' })).file.name).toBe('free.txt');
  });

  it('Keep numbers past a folder of the same name', async () => {
    const drive = await newDrive(t);
    await drive.folder('Docs');
    expect((await drive.startUpload('docs', 1, { file_conflict: 'Keep' })).file.name).toBe('docs(1)');
  });

  it('gives simultaneous Keep uploads of one name distinct names', async () => {
    const drive = await newDrive(t);
    const keep = (name: string) =>
      drive.requestUpload({ file_name: name, file_size_in_bytes: 1, file_conflict: 'Keep' });

    // Two at once, of a name nobody holds yet: one gets it, the other the next free one.
    const pair = await Promise.all([keep('twin.txt'), keep('twin.txt')]);
    for (const res of pair) expectStatus(res, 201);
    expect(pair.map((res) => res.body.file.name).sort()).toEqual(['twin(1).txt', 'twin.txt']);

    // Five at once, of a name that is taken.
    const five = await Promise.all(Array.from({ length: 5 }, () => keep('twin.txt')));
    for (const res of five) expectStatus(res, 201);
    const fiveNames = five.map((res) => res.body.file.name as string);
    expect(new Set(fiveNames).size).toBe(5);
    for (const name of fiveNames) expect(name).toMatch(/^twin\(\d+\)\.txt$/);
    expect(fiveNames).not.toContain('twin(1).txt');
  });

  it('Replace keeps the id; the old bytes stay downloadable until the new ones are confirmed; then they are a version', async () => {
    const drive = await newDrive(t);
    const storage = t.app.get(ObjectStorage);
    const v1 = text('version one\n');
    const v2 = text('version two, which is longer\n');
    const original = await drive.upload('report.txt', v1, { content_type: 'text/plain' });
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: v1.length });

    const replace = await drive.startUpload('Report.txt', v2, { content_type: 'text/plain', file_conflict: 'Replace' });
    expect(replace.file.id).toBe(original.id);
    expect(replace.file.name).toBe('report.txt');
    // Its own object: the old bytes stay where they are meanwhile.
    expect(keyOf(replace.upload)).not.toBe(objectKeys.file(drive.account.id, original.id));

    // Until the new bytes are confirmed: the old ones, the old size, and the new size reserved.
    expect(await drive.listed(original.id)).toMatchObject({ size_in_bytes: v1.length });
    expect(await drive.bytesOf(original.id)).toEqual(v1);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - v2.length,
    });

    await sendBytes(replace.upload, v2);
    const replaced = await drive.waitForFile(original.id, (item) => item.size_in_bytes === v2.length);
    expect(replaced).toMatchObject({ id: original.id, name: 'report.txt', content_type: 'text/plain' });
    expect(await drive.bytesOf(original.id)).toEqual(v2);
    expect((await drive.items()).map((item) => item.id)).toEqual([original.id]);
    // The old bytes are kept as a version (test/versions.e2e-spec.ts), and go on counting.
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length + v2.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - v2.length,
    });
    expect(await storage.read(objectKeys.file(drive.account.id, original.id))).toEqual(v1);
    expect(await storage.read(keyOf(replace.upload))).toEqual(v2);
  });

  it('Replace that is never uploaded loses nothing: the old file stays listed and downloadable', async () => {
    const drive = await newDrive(t);
    const v1 = text('the only version that ever arrived\n');
    const original = await drive.upload('keep-me.txt', v1, { content_type: 'text/plain' });

    const first = await drive.startUpload('keep-me.txt', 100, { file_conflict: 'Replace' });
    expect(first.file.id).toBe(original.id);
    const unchanged = { ...original, last_interaction: expect.stringMatching(ISO_UTC) };
    expect(await drive.listed(original.id)).toEqual(unchanged);
    expect(await drive.bytesOf(original.id)).toEqual(v1);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - 100,
    });

    // A second Replace supersedes the first, whose reservation is given back.
    const second = await drive.startUpload('keep-me.txt', 70, { file_conflict: 'Replace' });
    expect(second.file.id).toBe(original.id);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - 70,
    });
    expect(await drive.items()).toEqual([unchanged]);
    expect(await drive.bytesOf(original.id)).toEqual(v1);
  });

  it('Replace over a folder’s name is 409, and reserves nothing', async () => {
    const drive = await newDrive(t);
    const folder = await drive.folder('Albums');
    const res = await drive.requestUpload({ file_name: 'albums', file_size_in_bytes: 10, file_conflict: 'Replace' });
    expectProblem(res, 409, 'file_name_conflict');
    expect(await drive.items()).toEqual([folder]);
    expect((await drive.figures()).available_storage_in_bytes).toBe(FIVE_GIB);
  });

  it('Replace with a free name is a plain new upload', async () => {
    const drive = await newDrive(t);
    const bytes = text('fresh\n');
    const item = await drive.upload('fresh.txt', bytes, { content_type: 'text/plain', file_conflict: 'Replace' });
    expect(item.name).toBe('fresh.txt');
    expect(await drive.bytesOf(item.id)).toEqual(bytes);
  });
});

describe('many uploads in one request: POST /files (embedded workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  it('answers 100 files in one request with 100 results in order, each 201 with its own upload; all are listed once their bytes arrive', async () => {
    const drive = await newDrive(t);
    const contents = Array.from({ length: 100 }, (_, i) => text(`file number ${i}\n`));
    const res = await drive.requestUploads(
      contents.map((bytes, i) => ({
        file_name: `file-${i}.txt`,
        file_size_in_bytes: bytes.length,
        content_type: 'text/plain',
      })),
    );
    expectStatus(res, 200);
    expect(Object.keys(res.body)).toEqual(['results']);
    const results = res.body.results as { index: number; status: number; file: Item; upload: Upload }[];
    expect(results).toHaveLength(100);
    results.forEach((result, i) => {
      expect(Object.keys(result).sort()).toEqual(['file', 'index', 'status', 'upload']);
      expect(result).toMatchObject({
        index: i,
        status: 201,
        file: { name: `file-${i}.txt`, size_in_bytes: contents[i].length },
      });
      expect(result.upload.headers).toEqual({
        'Content-Type': 'text/plain',
        'Content-Length': String(contents[i].length),
        'If-None-Match': '*',
      });
    });
    expect(new Set(results.map((result) => result.upload.url)).size).toBe(100);
    expect(await drive.items()).toEqual([]);

    await Promise.all(results.map((result, i) => sendBytes(result.upload, contents[i])));
    const listed = await drive.waitForFiles(
      results.map((result) => result.file.id),
      null,
      30_000,
    );
    listed.forEach((item, i) =>
      expect(item).toMatchObject({ name: `file-${i}.txt`, size_in_bytes: contents[i].length }),
    );
    for (const [i, result] of results.entries()) expect(await drive.bytesOf(result.file.id)).toEqual(contents[i]);
  }, 90_000);

  it('answers each item of a mixed batch on its own: 201, 422, 507, 409, 404, 413, in order', async () => {
    const drive = await newDrive(t);
    const holder = await drive.upload('taken.txt', text('taken\n'), { content_type: 'text/plain' });
    const res = await drive.requestUploads([
      { file_name: 'fine.txt', file_size_in_bytes: 5, content_type: 'text/plain' },
      { file_name: 'a/b.txt', file_size_in_bytes: 1 },
      { file_name: 'too-big-for-quota.bin', file_size_in_bytes: FIVE_GIB },
      { file_name: 'TAKEN.txt', file_size_in_bytes: 1 },
      { file_name: 'orphan.txt', file_size_in_bytes: 1, parent_folder_id: randomUUID() },
      { file_name: 'too-big.bin', file_size_in_bytes: FIVE_GIB + 1 },
    ]);
    expectStatus(res, 200);
    const results = res.body.results;
    expect(results.map((result: { status: number }) => result.status)).toEqual([201, 422, 507, 409, 404, 413]);
    expect(results.map((result: { index: number }) => result.index)).toEqual([0, 1, 2, 3, 4, 5]);

    expect(Object.keys(results[0]).sort()).toEqual(['file', 'index', 'status', 'upload']);
    for (const result of results.slice(1)) expect(Object.keys(result).sort()).toEqual(['error', 'index', 'status']);
    const problem = (code: string, status: number) => ({
      type: `urn:clouddrive:problem:${code}`,
      title: expect.stringMatching(/\S/),
      status,
      detail: expect.stringMatching(/\S/),
      code,
    });
    expect(results[1].error).toEqual({
      ...problem('validation_failed', 422),
      errors: [{ field: 'file_name', message: expect.stringMatching(/\S/) }],
    });
    expect(results[2].error).toEqual(problem('quota_exceeded', 507));
    expect(results[3].error).toEqual({ ...problem('file_name_conflict', 409), conflicting_file_id: holder.id });
    expect(results[4].error).toEqual(problem('folder_not_found', 404));
    expect(results[5].error).toMatchObject(problem('file_too_large', 413));

    // Only the one that was accepted reserved anything, and it uploads as any other.
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: holder.size_in_bytes,
      available_storage_in_bytes: FIVE_GIB - holder.size_in_bytes! - 5,
    });
    await sendBytes(results[0].upload, text('fine\n'));
    await drive.waitForFile(results[0].file.id);
  });

  it('gives a name twice in one batch to the first item; the second is 409 naming it', async () => {
    const drive = await newDrive(t);
    const res = await drive.requestUploads([
      { file_name: 'twice.txt', file_size_in_bytes: 1 },
      { file_name: 'TWICE.txt', file_size_in_bytes: 1 },
      { file_name: 'once.txt', file_size_in_bytes: 1 },
    ]);
    expectStatus(res, 200);
    const [first, second, third] = res.body.results;
    expect([first.status, second.status, third.status]).toEqual([201, 409, 201]);
    expect(first.file.name).toBe('twice.txt');
    expect(second.error).toMatchObject({ code: 'file_name_conflict', conflicting_file_id: first.file.id });
    expect((await drive.figures()).available_storage_in_bytes).toBe(FIVE_GIB - 2);
  });

  it('numbers Keep uploads of one name within a batch', async () => {
    const drive = await newDrive(t);
    const res = await drive.requestUploads(
      Array.from({ length: 3 }, () => ({ file_name: 'scan.pdf', file_size_in_bytes: 1, file_conflict: 'Keep' })),
    );
    expectStatus(res, 200);
    expect(res.body.results.map((result: { file: Item }) => result.file.name)).toEqual([
      'scan.pdf',
      'scan(1).pdf',
      'scan(2).pdf',
    ]);
  });

  it('refuses 0 files, 101 files, or a files list that is not a list of objects, with 422 naming files', async () => {
    const drive = await newDrive(t);
    expectValidationError(await drive.requestUploads([]), 'files');
    const many = Array.from({ length: 101 }, (_, i) => ({ file_name: `f${i}.txt`, file_size_in_bytes: 1 }));
    expectValidationError(await drive.requestUploads(many), 'files');
    expectValidationError(await drive.requestUploads('f.txt'), 'files');
    expectValidationError(await drive.requestUploads([1, 2]), 'files');
    expectValidationError(await t.http.post('/files').set(drive.auth).send({}), 'files');
    expect((await drive.figures()).available_storage_in_bytes).toBe(FIVE_GIB);
  });
});

describe('storage refuses what the URL does not sign (the local store’s route, embedded workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  type Misuse = (upload: Upload, body: Buffer) => Promise<Response>;
  /** The upload's headers but Content-Length (fetch sets it from the body). */
  const only = (upload: Upload): Record<string, string> =>
    Object.fromEntries(Object.entries(upload.headers).filter(([name]) => name !== 'Content-Length'));

  it.each<[string, Misuse, number, string]>([
    ['a body one byte short', (u, b) => put(u, b.subarray(0, b.length - 1), only(u)), 400, 'upload_size_mismatch'],
    ['a body one byte long', (u, b) => put(u, Buffer.concat([b, text('!')]), only(u)), 400, 'upload_size_mismatch'],
    [
      'a different Content-Type',
      (u, b) => put(u, b, { ...u.headers, 'Content-Type': 'text/html' }),
      400,
      'upload_content_type_mismatch',
    ],
    ['a tampered signature', (u, b) => put({ ...u, url: tamperedSignature(u.url) }, b), 403, 'upload_url_invalid'],
    [
      'a size changed in the URL',
      (u, b) => {
        const url = new URL(u.url);
        url.searchParams.set('size', String(b.length + 1));
        return put({ ...u, url: url.toString() }, Buffer.concat([b, text('!')]), only(u));
      },
      403,
      'upload_url_invalid',
    ],
  ])('refuses %s: nothing is stored and the file stays unlisted', async (_, misuse, status, code) => {
    const drive = await newDrive(t);
    const storage = t.app.get(ObjectStorage);
    const bytes = text('the real content\n');
    const { file, upload } = await drive.startUpload('guarded.txt', bytes, { content_type: 'text/plain' });

    const refused = await misuse(upload, bytes);
    expect(refused.status).toBe(status);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
    expect(await refused.json()).toMatchObject({ status, code });
    expect(await storage.head(keyOf(upload))).toBeNull();

    // Another upload goes through the worker meanwhile: the refused one was never announced.
    await drive.upload('after.txt', text('after\n'), { content_type: 'text/plain' });
    expect(await drive.listed(file.id)).toBeUndefined();
    expectProblem(await drive.get(file.id), 409, 'file_not_ready');

    // The genuine request with the same URL still works.
    await sendBytes(upload, bytes);
    await drive.waitForFile(file.id);
    expect(await drive.bytesOf(file.id)).toEqual(bytes);
  });

  it('refuses a URL for one file used for another', async () => {
    const drive = await newDrive(t);
    const storage = t.app.get(ObjectStorage);
    const bytes = text('same size!\n');
    const mine = await drive.startUpload('mine.txt', bytes, { content_type: 'text/plain' });
    const other = await drive.startUpload('other.txt', bytes, { content_type: 'text/plain' });
    const url = new URL(mine.upload.url);
    url.pathname = new URL(other.upload.url).pathname;
    const refused = await put({ ...mine.upload, url: url.toString() }, bytes);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'upload_url_invalid' });
    expect(await storage.head(keyOf(other.upload))).toBeNull();
  });
});

describe('renaming, moving and deleting files: PATCH and DELETE /file/{id} (embedded workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  it('renames a file: the type follows the new extension; the id, bytes and sniffed type stay', async () => {
    const drive = await newDrive(t);
    const bytes = text('# Notes\n');
    const item = await drive.upload('notes.txt', bytes, { content_type: 'text/plain' });

    const res = await drive.patch(item.id, { file_name: 'notes.md' });
    expectStatus(res, 200);
    expect(Object.keys(res.body).sort()).toEqual(ITEM_KEYS);
    expect(res.body).toMatchObject({
      id: item.id,
      name: 'notes.md',
      type: 'md',
      content_type: 'text/plain',
      size_in_bytes: bytes.length,
      created_at: item.created_at,
    });
    expect(await drive.listed(item.id)).toEqual(res.body);

    for (const [name, type] of [
      ['README', ''],
      ['Archive.TAR.GZ', 'gz'],
      ['.env', ''],
    ]) {
      const renamed = await drive.patch(item.id, { file_name: name });
      expectStatus(renamed, 200);
      expect(renamed.body).toMatchObject({ name, type });
    }

    // The download offers the new name.
    const download_ = await drive.get(item.id);
    const got = await download(download_.body.url);
    expect(got.body).toEqual(bytes);
    expectAttachmentOf(got.headers, '.env');
  });

  it('normalises the new name, and lets a file take its own name in another case', async () => {
    const drive = await newDrive(t);
    const item = await drive.upload('case.txt', text('x'), { content_type: 'text/plain' });
    const res = await drive.patch(item.id, { file_name: '  Cafe\u0301.TXT ' });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ name: 'Caf\u00e9.TXT', type: 'txt' });
    const recased = await drive.patch(item.id, { file_name: 'CAFÉ.txt' });
    expectStatus(recased, 200);
    expect(recased.body.name).toBe('CAFÉ.txt');
  });

  it('moves a file into a folder and back to the root', async () => {
    const drive = await newDrive(t);
    const folder = await drive.folder('Moved here');
    const item = await drive.upload('travelling.txt', text('x'), { content_type: 'text/plain' });

    const moved = await drive.patch(item.id, { parent_folder_id: folder.id });
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ id: item.id, name: 'travelling.txt', parent_folder_id: folder.id });
    expect((await drive.items(folder.id)).map((i) => i.id)).toEqual([item.id]);
    expect(await drive.listed(item.id)).toBeUndefined();

    const back = await drive.patch(item.id, { parent_folder_id: null });
    expectStatus(back, 200);
    expect(back.body.parent_folder_id).toBeNull();
    expect(await drive.listed(item.id)).toMatchObject({ parent_folder_id: null });
    expect(await drive.items(folder.id)).toEqual([]);
  });

  it('renames and moves at once', async () => {
    const drive = await newDrive(t);
    const folder = await drive.folder('Target');
    const item = await drive.upload('before.txt', text('x'), { content_type: 'text/plain' });
    const res = await drive.patch(item.id, { file_name: 'after.csv', parent_folder_id: folder.id });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ name: 'after.csv', type: 'csv', parent_folder_id: folder.id });
  });

  it('refuses a taken name, whether by renaming or by moving, with 409 file_name_conflict, and changes nothing', async () => {
    const drive = await newDrive(t);
    const folder = await drive.folder('Shelf');
    const a = await drive.upload('a.txt', text('a'), { content_type: 'text/plain' });
    await drive.upload('b.txt', text('b'), { content_type: 'text/plain' });
    await drive.folder('Folder name');
    const inside = await drive.upload('a.txt', text('inside'), {
      content_type: 'text/plain',
      parent_folder_id: folder.id,
    });

    expectProblem(await drive.patch(a.id, { file_name: 'B.TXT' }), 409, 'file_name_conflict');
    expectProblem(await drive.patch(a.id, { file_name: 'folder name' }), 409, 'file_name_conflict');
    expectProblem(await drive.patch(a.id, { parent_folder_id: folder.id }), 409, 'file_name_conflict');
    expectProblem(await drive.patch(inside.id, { parent_folder_id: null }), 409, 'file_name_conflict');
    expect(await drive.listed(a.id)).toEqual(a);
    expect(await drive.listed(inside.id, folder.id)).toEqual(inside);
  });

  it('validates the change: 422 for nothing to change, a bad name, a malformed parent or an unknown field', async () => {
    const drive = await newDrive(t);
    const item = await drive.upload('valid.txt', text('x'), { content_type: 'text/plain' });
    expectValidationError(await drive.patch(item.id, {}), 'body');
    expectValidationError(await drive.patch(item.id, { file_name: 'a/b' }), 'file_name');
    expectValidationError(await drive.patch(item.id, { file_name: '' }), 'file_name');
    expectValidationError(await drive.patch(item.id, { file_name: null }), 'file_name');
    expectValidationError(await drive.patch(item.id, { parent_folder_id: 'nope' }), 'parent_folder_id');
    expectValidationError(await drive.patch(item.id, { file_name: 'x.txt', size: 3 }), 'size');
    expect(await drive.listed(item.id)).toEqual(item);
  });

  it('answers a missing, foreign or non-folder destination with 404 folder_not_found', async () => {
    const drive = await newDrive(t);
    const other = await newDrive(t);
    const theirs = await other.folder('Theirs');
    const item = await drive.upload('stay.txt', text('x'), { content_type: 'text/plain' });
    const sibling = await drive.upload('sibling.txt', text('y'), { content_type: 'text/plain' });
    expectProblem(await drive.patch(item.id, { parent_folder_id: randomUUID() }), 404, 'folder_not_found');
    expectProblem(await drive.patch(item.id, { parent_folder_id: theirs.id }), 404, 'folder_not_found');
    expectProblem(await drive.patch(item.id, { parent_folder_id: sibling.id }), 404, 'folder_not_found');
    expect(await drive.listed(item.id)).toEqual(item);
  });

  it('answers a missing or foreign file with 404 file_not_found, changing nothing of it', async () => {
    const drive = await newDrive(t);
    const other = await newDrive(t);
    const theirs = await other.upload('theirs.txt', text('x'), { content_type: 'text/plain' });
    expectProblem(await drive.patch(randomUUID(), { file_name: 'x.txt' }), 404, 'file_not_found');
    expectProblem(await drive.patch(theirs.id, { file_name: 'mine now.txt' }), 404, 'file_not_found');
    expectProblem(await drive.remove(theirs.id), 404, 'file_not_found');
    expect(await other.listed(theirs.id)).toEqual(theirs);
  });

  it('deletes a file: 204, gone from the listing, 404 after; its name is free again; the trash still counts', async () => {
    const drive = await newDrive(t);
    const bytes = text('to be deleted\n');
    const item = await drive.upload('doomed.txt', bytes, { content_type: 'text/plain' });

    const res = await drive.remove(item.id);
    expectStatus(res, 204);
    expect(res.text).toBe('');
    expect(await drive.listed(item.id)).toBeUndefined();
    expectProblem(await drive.get(item.id), 404, 'file_not_found');
    expectProblem(await drive.patch(item.id, { file_name: 'revived.txt' }), 404, 'file_not_found');
    expectProblem(await drive.remove(item.id), 404, 'file_not_found');
    // The trash still uses the quota.
    expect((await drive.figures()).used_storage_in_bytes).toBe(bytes.length);

    const again = await drive.startUpload('doomed.txt', 1);
    expect(again.file.name).toBe('doomed.txt');
    expect(again.file.id).not.toBe(item.id);
  });

  it('deletes a pending upload', async () => {
    const drive = await newDrive(t);
    const { file } = await drive.startUpload('never.txt', 3);
    expectStatus(await drive.remove(file.id), 204);
    expectProblem(await drive.get(file.id), 404, 'file_not_found');
    await drive.startUpload('never.txt', 3);
  });
});

describe('the internal endpoint POST /confirm-file-upload (no workers: the test is the worker)', () => {
  let t: TestApp;
  let storage: ObjectStorage;
  beforeAll(async () => {
    t = await startTestApp();
    storage = t.app.get(ObjectStorage);
  });
  afterAll(() => t.close());

  const secret = (): Record<string, string> => ({ 'X-Lambda-Secret': t.config.auth.lambdaSecret });
  const confirm = (body: Record<string, unknown>, headers: Record<string, string> = secret()) =>
    t.http.post('/confirm-file-upload').set(headers).send(body);

  it('is forbidden without X-Lambda-Secret, with a wrong one, or with a user’s bearer token instead', async () => {
    const drive = await newDrive(t);
    const bytes = text('hello\n');
    const { file, upload } = await drive.startUpload('guarded.txt', bytes, { content_type: 'text/plain' });
    await sendBytes(upload, bytes);
    const body = { file_id: file.id, size_in_bytes: bytes.length, content_type: 'text/plain' };

    expectProblem(await confirm(body, {}), 403, 'forbidden');
    expectProblem(await confirm(body, { 'X-Lambda-Secret': '' }), 403, 'forbidden');
    expectProblem(await confirm(body, { 'X-Lambda-Secret': 'wrong' }), 403, 'forbidden');
    expectProblem(await confirm(body, { 'X-Lambda-Secret': `${t.config.auth.lambdaSecret}x` }), 403, 'forbidden');
    expectProblem(await confirm(body, drive.auth), 403, 'forbidden');
    expect(await drive.listed(file.id)).toBeUndefined();
  });

  it('does not take the secret anywhere else: as a bearer token, or in X-Lambda-Secret, /drive is 401', async () => {
    const asBearer = await t.http.get('/drive').set('Authorization', `Bearer ${t.config.auth.lambdaSecret}`);
    expectProblem(asBearer, 401, 'unauthorized');
    expect(asBearer.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expectProblem(await t.http.get('/drive').set(secret()), 401, 'unauthorized');
    expectProblem(
      await t.http.post('/file').set(secret()).send({ file_name: 'a.txt', file_size_in_bytes: 1 }),
      401,
      'unauthorized',
    );
  });

  it('validates its body, and answers an unknown file with 404 file_not_found', async () => {
    expectValidationError(await confirm({ file_id: 'nope', size_in_bytes: 1, content_type: 'text/plain' }), 'file_id');
    expectValidationError(
      await confirm({ file_id: randomUUID(), size_in_bytes: -1, content_type: 'text/plain' }),
      'size_in_bytes',
    );
    expectProblem(
      await confirm({ file_id: randomUUID(), size_in_bytes: 1, content_type: 'text/plain' }),
      404,
      'file_not_found',
    );
  });

  it.each([
    ['empty', ''],
    ['not a media type', 'nonsense'],
    ['with a header in it', 'text/plain\r\nX-Evil: 1'],
    ['a number', 7],
  ])(
    'refuses a content_type that is %s with 422, for the file could never be served with it',
    async (_, contentType) => {
      const drive = await newDrive(t);
      const bytes = text('abc');
      const { file, upload } = await drive.startUpload('typed.txt', bytes, { content_type: 'text/plain' });
      await sendBytes(upload, bytes);
      expectValidationError(
        await confirm({ file_id: file.id, size_in_bytes: bytes.length, content_type: contentType }),
        'content_type',
      );
      expect(await drive.listed(file.id)).toBeUndefined();
    },
  );

  it('takes a sniffed type with parameters (file-type answers audio/ogg; codecs=opus), and serves the file with it', async () => {
    const drive = await newDrive(t);
    const bytes = text('OggS, as it were');
    const { file, upload } = await drive.startUpload('voice.opus', bytes);
    await sendBytes(upload, bytes);
    const res = await confirm({
      file_id: file.id,
      size_in_bytes: bytes.length,
      content_type: 'audio/ogg; codecs=opus',
    });
    expectStatus(res, 200);
    expect(await drive.listed(file.id)).toMatchObject({ content_type: 'audio/ogg; codecs=opus' });
    const got = await download((await drive.get(file.id)).body.url);
    expect(got.headers.get('content-type')).toBe('audio/ogg; codecs=opus');
    expect(got.body).toEqual(bytes);
  });

  it('answers 409 upload_missing while the bytes are not in storage; the file stays pending', async () => {
    const drive = await newDrive(t);
    const { file } = await drive.startUpload('early.txt', 5, { content_type: 'text/plain' });
    expectProblem(
      await confirm({ file_id: file.id, size_in_bytes: 5, content_type: 'text/plain' }),
      409,
      'upload_missing',
    );
    expect(await drive.listed(file.id)).toBeUndefined();
    expectProblem(await drive.get(file.id), 409, 'file_not_ready');
  });

  it('confirms an upload whose bytes are in storage, and answers a repeat exactly as the first, changing nothing more', async () => {
    const drive = await newDrive(t);
    const bytes = text('confirmed by hand\n');
    const { file, upload } = await drive.startUpload('by-hand.txt', bytes, { content_type: 'text/plain' });
    await sendBytes(upload, bytes);
    expect(await drive.listed(file.id)).toBeUndefined();

    const body = {
      file_id: file.id,
      size_in_bytes: bytes.length,
      content_type: 'text/markdown',
      object_key: keyOf(upload),
    };
    const first = await confirm(body);
    expectStatus(first, 200);
    expect(first.body).toEqual({
      file_id: file.id,
      status: 'confirmed',
      size_in_bytes: bytes.length,
      content_type: 'text/markdown',
      // Text is no image: no preview will be made, so there is no key to write one at.
      preview_status: 'unsupported',
      preview_key: null,
    });
    expect(await drive.listed(file.id)).toMatchObject({ size_in_bytes: bytes.length, content_type: 'text/markdown' });
    const figures = await drive.figures();
    expect(figures).toMatchObject({
      used_storage_in_bytes: bytes.length,
      available_storage_in_bytes: FIVE_GIB - bytes.length,
    });

    for (const repeat of [body, { file_id: file.id, size_in_bytes: bytes.length, content_type: 'text/markdown' }]) {
      const again = await confirm(repeat);
      expectStatus(again, 200);
      expect(again.body).toEqual(first.body);
    }
    expect(await drive.figures()).toEqual(figures);
    expect(await drive.bytesOf(file.id)).toEqual(bytes);
  });

  it('rejects an upload whose object has another size: the object is deleted, the reservation released, the name free', async () => {
    const drive = await newDrive(t);
    const { file, upload } = await drive.startUpload('mismatch.txt', 10, { content_type: 'text/plain' });
    const key = keyOf(upload);
    expect(key).toBe(objectKeys.file(drive.account.id, file.id));
    await storage.write(key, text('eleven byte'), 'text/plain');
    expect((await drive.figures()).available_storage_in_bytes).toBe(FIVE_GIB - 10);

    // The worker reports the declared size: the API checks the object itself.
    const body = { file_id: file.id, size_in_bytes: 10, content_type: 'text/plain', object_key: key };
    const res = await confirm(body);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ file_id: file.id, status: 'rejected' });

    expect(await storage.head(key)).toBeNull();
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 0, available_storage_in_bytes: FIVE_GIB });
    expect(await drive.listed(file.id)).toBeUndefined();
    expectProblem(await drive.get(file.id), 404, 'file_not_found');

    const again = await confirm(body);
    expectStatus(again, 200);
    expect(again.body).toEqual(res.body);

    const retry = await drive.startUpload('mismatch.txt', 11, { content_type: 'text/plain' });
    expect(retry.file.name).toBe('mismatch.txt');
    expect(retry.file.id).not.toBe(file.id);
  });

  it('Replace: the old bytes are served until the new ones are confirmed; then the new ones, and the old ones are a version', async () => {
    const drive = await newDrive(t);
    const v1 = text('first\n');
    const v2 = text('second, longer\n');
    const { file, upload } = await drive.startUpload('doc.txt', v1, { content_type: 'text/plain' });
    await sendBytes(upload, v1);
    expectStatus(await confirm({ file_id: file.id, size_in_bytes: v1.length, content_type: 'text/plain' }), 200);

    const replace = await drive.startUpload('doc.txt', v2, { content_type: 'text/plain', file_conflict: 'Replace' });
    expect(replace.file.id).toBe(file.id);
    await sendBytes(replace.upload, v2);
    // The new bytes are in storage, but not confirmed: the file is still the old one.
    expect(await drive.listed(file.id)).toMatchObject({ size_in_bytes: v1.length });
    expect(await drive.bytesOf(file.id)).toEqual(v1);

    const res = await confirm({
      file_id: file.id,
      size_in_bytes: v2.length,
      content_type: 'text/plain',
      object_key: keyOf(replace.upload),
    });
    expectStatus(res, 200);
    expect(res.body).toEqual({
      file_id: file.id,
      status: 'confirmed',
      size_in_bytes: v2.length,
      content_type: 'text/plain',
      preview_status: 'unsupported',
      preview_key: null,
    });
    expect(await drive.bytesOf(file.id)).toEqual(v2);
    expect(await drive.listed(file.id)).toMatchObject({ size_in_bytes: v2.length });
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length + v2.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - v2.length,
    });
    expect(await storage.read(keyOf(upload))).toEqual(v1);
  });

  it('answers an upload that a later Replace superseded as rejected, each time it is asked, and changes nothing', async () => {
    const drive = await newDrive(t);
    const v1 = text('kept\n');
    const { file, upload } = await drive.startUpload('twice.txt', v1, { content_type: 'text/plain' });
    await sendBytes(upload, v1);
    expectStatus(await confirm({ file_id: file.id, size_in_bytes: v1.length, content_type: 'text/plain' }), 200);

    const superseded = await drive.startUpload('twice.txt', 20, {
      content_type: 'text/plain',
      file_conflict: 'Replace',
    });
    const latest = await drive.startUpload('twice.txt', 30, { content_type: 'text/plain', file_conflict: 'Replace' });
    // The first replacement's bytes arrive after all.
    await storage.write(keyOf(superseded.upload), text('x'.repeat(20)), 'text/plain');
    const body = {
      file_id: file.id,
      size_in_bytes: 20,
      content_type: 'text/plain',
      object_key: keyOf(superseded.upload),
    };
    const res = await confirm(body);
    expectStatus(res, 200);
    expect(res.body).toEqual({
      file_id: file.id,
      status: 'rejected',
      size_in_bytes: v1.length,
      content_type: 'text/plain',
      // The file keeps its bytes, and what was said of them.
      preview_status: 'unsupported',
      preview_key: null,
    });
    const again = await confirm(body);
    expectStatus(again, 200);
    expect(again.body).toEqual(res.body);

    expect(await drive.bytesOf(file.id)).toEqual(v1);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - 30,
    });

    // The latest replacement still goes through.
    const v3 = text('y'.repeat(30));
    await sendBytes(latest.upload, v3);
    const confirmed = await confirm({
      file_id: file.id,
      size_in_bytes: 30,
      content_type: 'text/plain',
      object_key: keyOf(latest.upload),
    });
    expect(confirmed.body).toMatchObject({ status: 'confirmed', size_in_bytes: 30 });
    expect(await drive.bytesOf(file.id)).toEqual(v3);
  });

  it('Replace whose bytes have another size is rejected: the file keeps its old bytes, the reservation is released', async () => {
    const drive = await newDrive(t);
    const v1 = text('the good version\n');
    const { file, upload } = await drive.startUpload('safe.txt', v1, { content_type: 'text/plain' });
    await sendBytes(upload, v1);
    expectStatus(await confirm({ file_id: file.id, size_in_bytes: v1.length, content_type: 'text/plain' }), 200);

    const replace = await drive.startUpload('safe.txt', 20, { content_type: 'text/plain', file_conflict: 'Replace' });
    const newKey = keyOf(replace.upload);
    await storage.write(newKey, text('twenty-five bytes, not 20'), 'text/plain');
    const body = { file_id: file.id, size_in_bytes: 20, content_type: 'text/plain', object_key: newKey };
    const res = await confirm(body);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ file_id: file.id, status: 'rejected', size_in_bytes: v1.length });

    expect(await storage.head(newKey)).toBeNull();
    expect(await drive.listed(file.id)).toMatchObject({ size_in_bytes: v1.length });
    expect(await drive.bytesOf(file.id)).toEqual(v1);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length,
      available_storage_in_bytes: FIVE_GIB - v1.length,
    });

    // Idempotent: the worker's retry of the same event is answered as the first call was.
    const again = await confirm(body);
    expectStatus(again, 200);
    expect(again.body).toEqual(res.body);
  });
});
