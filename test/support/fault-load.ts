/**
 * A loop of real requests kept up while a dependency goes down and comes back: clients that log in, list
 * their drive and upload (POST /file, then the bytes to the presigned PUT; the workers confirm). Every answer
 * is recorded, so that the suite can say there was no 500 and that each 503 was a proper one, and every upload
 * that was granted and whose bytes were stored is remembered, so that it can check none was lost.
 */
import { performance } from 'node:perf_hooks';
import { Response as TestResponse } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { eventually, FileDrive, pngImage, PREVIEW_WAIT_MS, put } from './drive-files';

export interface Answer {
  what: 'login' | 'listing' | 'upload' | 'put';
  /** When the request was sent (performance.now()). */
  sentAt: number;
  /** The HTTP status, or 0 when the request got no answer (the server down). */
  status: number;
  /** When the answer came (performance.now()). */
  answeredAt: number;
  /** A 503's code and Retry-After, to check that it is the documented one. */
  code?: string;
  retryAfter?: string;
}

/** An upload the API granted (201) and whose bytes storage accepted: it must end confirmed. */
export interface StoredUpload {
  drive: FileDrive;
  fileId: string;
  size: number;
}

export class FaultLoad {
  readonly answers: Answer[] = [];
  readonly stored: StoredUpload[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private turn = 0;

  constructor(
    private readonly http: TestAgent,
    private readonly drives: FileDrive[],
    /** The bytes of the n-th upload (PNGs, so that previews are made too; any other bytes). */
    private readonly bytes: (n: number) => { body: Buffer; name: string; contentType: string },
  ) {}

  start(): void {
    this.running = true;
    this.loops = this.drives.map((drive) => this.loop(drive));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Keeps the load up until `done` resolves, then stops it. */
  async during<T>(done: () => Promise<T>): Promise<T> {
    this.start();
    try {
      return await done();
    } finally {
      await this.stop();
    }
  }

  /** Answers from the API itself (the presigned PUTs go to storage) sent at or after `since`. */
  apiAnswers(since = 0): Answer[] {
    return this.answers.filter((answer) => answer.what !== 'put' && answer.sentAt >= since);
  }

  /** Answers that are neither a success nor a well-formed 503 service_unavailable with Retry-After. */
  wrongAnswers(): Answer[] {
    return this.apiAnswers().filter(
      (answer) =>
        !(answer.status >= 200 && answer.status < 300) &&
        !(answer.status === 503 && answer.code === 'service_unavailable' && /^[1-9]\d*$/.test(answer.retryAfter ?? '')),
    );
  }

  private async loop(drive: FileDrive): Promise<void> {
    while (this.running) {
      await this.call('login', () =>
        this.http.post('/login').send({ username: drive.account.username, password: drive.account.password }),
      );
      await this.call('listing', () => this.http.get('/drive').set(drive.auth).query({ limit: 20 }));
      await this.upload(drive);
    }
  }

  private async upload(drive: FileDrive): Promise<void> {
    const { body, name, contentType } = this.bytes(this.turn++);
    const granted = await this.call('upload', () =>
      drive.requestUpload({
        file_name: name,
        file_size_in_bytes: body.length,
        content_type: contentType,
        file_conflict: 'Keep',
      }),
    );
    if (granted?.status !== 201) return;
    const sentAt = performance.now();
    const stored = await put(granted.body.upload, body).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    this.answers.push({ what: 'put', sentAt, answeredAt: performance.now(), status: stored });
    if (stored === 200) this.stored.push({ drive, fileId: granted.body.file.id, size: body.length });
  }

  private async call(what: Answer['what'], send: () => PromiseLike<TestResponse>): Promise<TestResponse | undefined> {
    const sentAt = performance.now();
    try {
      const res = await send();
      this.answers.push({
        what,
        sentAt,
        answeredAt: performance.now(),
        status: res.status,
        code: res.status >= 400 ? res.body?.code : undefined,
        retryAfter: res.headers['retry-after'],
      });
      return res;
    } catch {
      this.answers.push({ what, sentAt, answeredAt: performance.now(), status: 0 });
      return undefined;
    }
  }
}

/** The n-th upload: every other one a PNG, so that the workers also make previews through the outage. */
export function mixedUpload(n: number): { body: Buffer; name: string; contentType: string } {
  return n % 2 === 0
    ? { body: pngImage(), name: `photo-${n}.png`, contentType: 'image/png' }
    : { body: Buffer.from(`note ${n}\n`), name: `note-${n}.txt`, contentType: 'text/plain' };
}

/**
 * Every upload that was granted and stored ends confirmed, with its size and the type the workers sniffed (so
 * they, not the reconciler, confirmed it), every PNG's preview ready (none left pending or called failed), no
 * other file listed, and the quota counting exactly those bytes with nothing still reserved.
 */
export async function expectNothingLost(load: FaultLoad, drives: FileDrive[]): Promise<void> {
  for (const drive of drives) {
    const mine = load.stored.filter((upload) => upload.drive === drive);
    const ids = mine.map((upload) => upload.fileId);
    const listed = await drive.waitForFiles(ids, null, PREVIEW_WAIT_MS);
    for (const [i, item] of listed.entries()) {
      expect(item).toMatchObject({ size_in_bytes: mine[i].size });
      expect(item.content_type).toBe(item.name.endsWith('.png') ? 'image/png' : 'text/plain');
    }
    const items = await eventually(
      'previews settled',
      async () => {
        const all = await drive.items();
        return all.some((item) => item.preview_status === 'pending') ? undefined : all;
      },
      PREVIEW_WAIT_MS,
    );
    expect(items.map((item) => item.id).sort()).toEqual([...ids].sort());
    const previews = items.filter((item) => item.name.endsWith('.png')).map((item) => item.preview_status);
    expect(previews).toEqual(previews.map(() => 'ready'));
    const used = mine.reduce((sum, upload) => sum + upload.size, 0);
    const figures = await drive.figures();
    expect(figures.used_storage_in_bytes).toBe(used);
    expect(figures.available_storage_in_bytes).toBe(figures.total_storage_in_bytes - used);
  }
}
