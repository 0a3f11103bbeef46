/**
 * PDF and video previews, end to end: the real API, the embedded workers (a thread of the API's process), pdf.js
 * in its child process and the npm package's ffmpeg reading the embedded store's presigned GET by range. The files
 * are made here (PDFs with pdf-lib, clips encoded by ffmpeg) or kept small in test/fixtures/hostile-pdf.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { BLUE, encodeClip, fixturePath, pdfDocument, RED, Rgb } from '@app/testing';
import {
  download,
  expectProblem,
  expectStatus,
  FileDrive,
  FileUpload,
  Item,
  sendBytes,
  UploadRequest,
} from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

/** Poster frames and first pages take longer than a photo's preview on a loaded machine. */
const WAIT_MS = 60_000;

async function uploadAll(drive: FileDrive, files: { name: string; bytes: Buffer }[]): Promise<Item[]> {
  const res = await drive.requestUploads(
    files.map(({ name, bytes }): UploadRequest => ({ file_name: name, file_size_in_bytes: bytes.length })),
  );
  expectStatus(res, 200);
  const results = res.body.results as { status: number; file: Item; upload: FileUpload['upload'] }[];
  await Promise.all(results.map((result, i) => sendBytes(result.upload, files[i].bytes)));
  return results.map((result) => result.file);
}

/** The ready preview: its size as the API says it, what its URL serves, and the served image's mean colour. */
async function readyPreview(drive: FileDrive, fileId: string) {
  const res = await drive.waitForPreview(fileId, WAIT_MS);
  expectStatus(res, 200);
  const got = await download(res.body.url);
  const image = sharp(got.body);
  const [meta, stats] = await Promise.all([image.metadata(), image.stats()]);
  expect({ width: meta.width, height: meta.height }).toEqual({ width: res.body.width, height: res.body.height });
  return {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    colour: [0, 1, 2].map((i) => Math.round(stats.channels[i].mean)) as Rgb,
  };
}

const near = (got: Rgb, want: Rgb): boolean => got.every((value, i) => Math.abs(value - want[i]) <= 16);

describe('PDF and video previews: GET /image-preview/{id}, made by the embedded workers', () => {
  let t: TestApp;
  let drive: FileDrive;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
    drive = new FileDrive(t.http, await registerAndLogin(t.http));
  });
  afterAll(() => t.close());

  it(
    'previews a PDF’s first page inside 400×400 as JPEG, in the page’s colour, and a landscape page 400 wide',
    async () => {
      const [letter, slides] = await uploadAll(drive, [
        { name: 'letter.pdf', bytes: await pdfDocument({ pages: 3, colour: RED }) },
        { name: 'slides.pdf', bytes: await pdfDocument({ width: 842, height: 595, colour: BLUE }) },
      ]);
      const page = await readyPreview(drive, letter.id);
      expect({ ...page, red: near(page.colour, RED) }).toEqual({
        ...page,
        format: 'jpeg',
        width: 309,
        height: 400,
        red: true,
      });
      const wide = await readyPreview(drive, slides.id);
      expect({ ...wide, blue: near(wide.colour, BLUE) }).toEqual({ ...wide, width: 400, height: 283, blue: true });
      // A PDF's preview records no duration nor frame size.
      expect(await drive.listed(letter.id)).toMatchObject({
        content_type: 'application/pdf',
        preview_status: 'ready',
        preview_ready: true,
        duration_ms: null,
        media_width: null,
        media_height: null,
      });
    },
    WAIT_MS * 2,
  );

  it(
    'previews MP4, MOV, WebM and MKV by their poster frame, and lists their duration and frame size',
    async () => {
      const containers = ['mp4', 'mov', 'webm', 'mkv'] as const;
      const clips = await Promise.all(
        containers.map(async (container) => ({
          name: `clip.${container}`,
          bytes: await encodeClip({ container, seconds: 6, width: 640, height: 360, audio: true }),
        })),
      );
      const items = await uploadAll(drive, clips);
      for (const [i, item] of items.entries()) {
        const poster = await readyPreview(drive, item.id);
        // 10 % in the clip is red; its first frame is blue.
        expect({
          name: clips[i].name,
          width: poster.width,
          height: poster.height,
          red: near(poster.colour, RED),
        }).toEqual({
          name: clips[i].name,
          width: 400,
          height: 225,
          red: true,
        });
        const listed = await drive.listed(item.id);
        expect({ ...listed, duration_ms: Math.round(listed!.duration_ms! / 1000) }).toMatchObject({
          preview_status: 'ready',
          duration_ms: 6,
          media_width: 640,
          media_height: 360,
        });
      }
      expect(items.map((item) => item.id)).toHaveLength(4);
    },
    WAIT_MS * 4,
  );

  it(
    'ends hostile PDFs unsupported or failed (404), and goes on previewing the next one',
    async () => {
      const names = ['encrypted.pdf', 'huge-page.pdf', 'corrupt.pdf'];
      const hostile = await Promise.all(
        names.map(async (name) => ({ name, bytes: await readFile(fixturePath('hostile-pdf', name)) })),
      );
      const items = await uploadAll(drive, hostile);
      for (const item of items)
        expectProblem(await drive.waitForPreview(item.id, WAIT_MS), 404, 'preview_not_available');
      const statuses = await Promise.all(items.map(async (item) => (await drive.listed(item.id))!.preview_status));
      expect(Object.fromEntries(names.map((name, i) => [name, statuses[i]]))).toEqual({
        'encrypted.pdf': 'unsupported',
        'huge-page.pdf': 'unsupported',
        'corrupt.pdf': 'failed',
      });
      const [after] = await uploadAll(drive, [{ name: 'after.pdf', bytes: await pdfDocument({ colour: BLUE }) }]);
      expect(near((await readyPreview(drive, after.id)).colour, BLUE)).toBe(true);
    },
    WAIT_MS * 2,
  );

  it(
    'ends a file that says it is an MP4 but holds no video failed, and a truncated clip never hangs',
    async () => {
      const clip = await encodeClip({ seconds: 4, fastStart: true });
      // An MP4's first box, then text: sniffed as MP4, and no video in it.
      const fake = Buffer.concat([clip.subarray(0, 32), Buffer.from('not a video '.repeat(500))]);
      const [liar, cut] = await uploadAll(drive, [
        { name: 'liar.mp4', bytes: fake },
        { name: 'cut.mp4', bytes: clip.subarray(0, Math.floor(clip.length / 3)) },
      ]);
      expectProblem(await drive.waitForPreview(liar.id, WAIT_MS), 404, 'preview_not_available');
      expect(await drive.listed(liar.id)).toMatchObject({ content_type: 'video/mp4', preview_status: 'failed' });
      // A third of a clip whose index comes first may still give a frame: either way it ends, and says so.
      const res = await drive.waitForPreview(cut.id, WAIT_MS);
      expect([200, 404]).toContain(res.status);
      expect(['ready', 'failed']).toContain((await drive.listed(cut.id))!.preview_status);
    },
    WAIT_MS * 2,
  );
});
