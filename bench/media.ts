/**
 * The media worker's figures for `npm run bench`: preview and profile photo times per image kind and size,
 * single-threaded (sharp.concurrency(1): one libvips thread, as on one core), previews per second per core,
 * and the worker's peak memory, measured in a process of its own (run this file directly: it prints JSON);
 * and, against a running API in the embedded mode, the time from upload to a ready preview.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { ImageResizer } from '../apps/workers/src/media/image-resizer';
import { fixturePath } from '@app/testing';

const ROOT = join(__dirname, '..');

export interface MediaFigures {
  kinds: { kind: string; bytes: number; p50: number; p95: number }[];
  profilePhoto: { kind: string; p50: number; p95: number };
  previewsPerSecond: number;
  peakRssMiB: number;
}

interface Sample {
  kind: string;
  bytes: Buffer;
}

/**
 * A photo-like image: smooth shapes (a small random image enlarged) with sensor-like noise, so that it
 * compresses like a camera's picture (a few MB for 12 MP at quality 90), not like a flat test pattern.
 */
async function photoLike(width: number, height: number): Promise<Sharp> {
  const seed = Buffer.alloc(64 * 48 * 3);
  let state = 42;
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 255;
  for (let i = 0; i < seed.length; i++) seed[i] = random();
  const smooth = await sharp(seed, { raw: { width: 64, height: 48, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  for (let i = 0; i < smooth.length; i++) smooth[i] = Math.max(0, Math.min(255, smooth[i] + ((random() % 24) - 12)));
  return sharp(smooth, { raw: { width, height, channels: 3 } });
}

async function samples(): Promise<Sample[]> {
  const twelve = await photoLike(4000, 3000);
  const twentyFour = await photoLike(6000, 4000);
  return [
    { kind: 'JPEG 12 MP (4000×3000)', bytes: await twelve.clone().jpeg({ quality: 90 }).toBuffer() },
    { kind: 'JPEG 24 MP (6000×4000)', bytes: await twentyFour.clone().jpeg({ quality: 90 }).toBuffer() },
    {
      kind: 'JPEG 1800×1200, EXIF orientation 6 (fixture)',
      bytes: readFileSync(fixturePath('exif-orientation', 'Landscape_6.jpg')),
    },
    { kind: 'PNG 12 MP (4000×3000)', bytes: await twelve.clone().png({ compressionLevel: 6 }).toBuffer() },
    { kind: 'WebP 12 MP (4000×3000)', bytes: await twelve.clone().webp({ quality: 85 }).toBuffer() },
  ];
}

/** Milliseconds of each of `times` sequential runs (after `warmup`): median and 95th percentile. */
export async function timed(
  times: number,
  work: () => Promise<unknown>,
  warmup = 2,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmup; i++) await work();
  const taken: number[] = [];
  for (let i = 0; i < times; i++) {
    const began = performance.now();
    await work();
    taken.push(performance.now() - began);
  }
  taken.sort((a, b) => a - b);
  return { p50: taken[Math.floor(times / 2)], p95: taken[Math.min(times - 1, Math.floor(times * 0.95))] };
}

/** In the measuring process: the images the parent wrote, read as bytes (as the worker reads objects). */
async function measure(dir: string): Promise<MediaFigures> {
  sharp.concurrency(1);
  const resizer = new ImageResizer();
  const inputs = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { kind: string; file: string }[]).map(
    ({ kind, file }) => ({ kind, bytes: readFileSync(join(dir, file)) }),
  );
  const kinds: MediaFigures['kinds'] = [];
  for (const { kind, bytes } of inputs) {
    const runs = bytes.length > 10_000_000 || kind.startsWith('WebP') || kind.startsWith('PNG') ? 10 : 30;
    kinds.push({ kind, bytes: bytes.length, ...(await timed(runs, () => resizer.preview(bytes))) });
  }
  const jpeg12 = inputs[0].bytes;
  const profilePhoto = { kind: inputs[0].kind, ...(await timed(30, () => resizer.profilePhoto(jpeg12))) };
  const count = 50;
  const began = performance.now();
  for (let i = 0; i < count; i++) await resizer.preview(jpeg12);
  const previewsPerSecond = count / ((performance.now() - began) / 1000);
  const status = readFileSync('/proc/self/status', 'utf8');
  const peakRssMiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  return { kinds, profilePhoto, previewsPerSecond, peakRssMiB };
}

/**
 * Makes the images here, then measures in a fresh process that only reads and previews them, so that its
 * peak memory is the worker's own.
 */
export async function measureMediaInChild(): Promise<MediaFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'clouddrive-media-bench-'));
  try {
    const index = (await samples()).map(({ kind, bytes }, i) => {
      writeFileSync(join(dir, `${i}.img`), bytes);
      return { kind, file: `${i}.img` };
    });
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', 'bench/media.ts', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(out.trim().split('\n').pop()!) as MediaFigures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * From the end of the PUT of a 12 MP JPEG to `GET /image-preview` answering 200, in the embedded mode (the
 * in-process workers sniff, confirm, preview and call back).
 */
export async function uploadToPreviewReady(
  url: string,
  token: string,
  times: number,
): Promise<{ p50: number; p95: number; bytes: number }> {
  const bytes = await (await photoLike(4000, 3000)).jpeg({ quality: 90 }).toBuffer();
  const auth = { authorization: `Bearer ${token}` };
  const taken: number[] = [];
  for (let i = 0; i < times; i++) {
    const requested = await fetch(`${url}/file`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        file_name: `photo-${i}.jpg`,
        file_size_in_bytes: bytes.length,
        content_type: 'image/jpeg',
      }),
    });
    const { file, upload } = (await requested.json()) as {
      file: { id: string };
      upload: { url: string; headers: Record<string, string> };
    };
    await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    const began = performance.now();
    for (;;) {
      const status = (await fetch(`${url}/image-preview/${file.id}`, { headers: auth })).status;
      if (status === 200) break;
      if (status !== 202) throw new Error(`GET /image-preview answered ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    taken.push(performance.now() - began);
  }
  taken.sort((a, b) => a - b);
  return {
    p50: taken[Math.floor(times / 2)],
    p95: taken[Math.min(times - 1, Math.floor(times * 0.95))],
    bytes: bytes.length,
  };
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The results table's rows for the media figures. */
export function mediaRows(media: MediaFigures, ready: { p50: number; p95: number; bytes: number }): string[][] {
  return [
    ...media.kinds.map(({ kind, bytes, p50, p95 }) => [
      `Preview of a ${kind}, ${mib(bytes)}, one core (sharp.concurrency 1)`,
      `p50 ${ms(p50)}, p95 ${ms(p95)}`,
      kind.startsWith('JPEG 12 MP') ? 'under 50 ms (the original: 1,399 ms on Lambda)' : '',
    ]),
    [
      `Profile photo (400×400 cover crop) of a ${media.profilePhoto.kind}, one core`,
      `p50 ${ms(media.profilePhoto.p50)}, p95 ${ms(media.profilePhoto.p95)}`,
      'under 50 ms (the original: 139 ms)',
    ],
    ['Previews per second of 12 MP JPEGs, one core, one after another', media.previewsPerSecond.toFixed(1), '≥ 25'],
    ['Media worker peak memory (RSS) over all of the above', `${media.peakRssMiB.toFixed(0)} MiB`, ''],
    [
      `Upload of a 12 MP JPEG (${mib(ready.bytes)}) to a ready preview (PUT done → GET /image-preview 200), embedded`,
      `p50 ${ms(ready.p50)}, p95 ${ms(ready.p95)}`,
      'under 300 ms',
    ],
  ];
}

/** What the media figures rely on, for the results page. */
export const MEDIA_NOTES = [
  'Media figures rely on libvips shrink-on-load: a JPEG is decoded at 1/2, 1/4 or 1/8 scale by libjpeg (DCT scaling) when that still covers 400×400, so a 12 MP photo is decoded as ~500×375; WebP is decoded scaled by libwebp too, but its decoder is slower per pixel; PNG has no scaled decoding (every pixel is inflated), hence its time. The EXIF orientation is applied after the shrink, on the small image. Output: JPEG quality 80 without mozjpeg, or WebP effort 2 for images with transparency. sharp 0.35 with its prebuilt libvips; libvips cache off; one image at a time.',
];

if (require.main === module) {
  measure(process.argv[2])
    .then((figures) => console.log(JSON.stringify(figures)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
