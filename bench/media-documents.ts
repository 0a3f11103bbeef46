/**
 * `npm run bench -- media`'s PDF and video figures: the first page of a 50-page PDF, and the poster frame of a
 * 60 s 1080p H.264 MP4 read from s3rver through a presigned GET, each beside the standard tool on the same file in
 * the same run (`pdftoppm -scale-to 400 -f 1 -l 1`, and the ffmpeg command line on the same URL). Everything runs
 * on one core (taskset -c 0), one file after another; peak memory is the largest resident set of the measuring
 * process and everything it started (the PDF renderer's child, ffmpeg), from getrusage.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ImageResizer } from '../apps/workers/src/media/image-resizer';
import { PdfRenderer } from '../apps/workers/src/media/pdf-renderer';
import { httpRangeSource } from '../apps/workers/src/media/range-relay';
import { VideoPoster } from '../apps/workers/src/media/video-poster';
import { startS3rver } from '../libs/testing/src/s3rver';
import { pdfDocument, testFfmpeg } from '@app/testing';
import { timed } from './media';

const ROOT = join(__dirname, '..');
const PDF_RUNS = 30;
const VIDEO_RUNS = 15;
const CLIP_SECONDS = 60;

interface Timing {
  p50: number;
  p95: number;
}

/** One side of a comparison: its times and the peak memory of its process tree. */
export interface Measured extends Timing {
  peakMiB: number;
}

export interface DocumentFigures {
  pdf: { bytes: number; ours: Measured; pdftoppm: Measured; size: string };
  video: { bytes: number; ours: Measured; ffmpeg: Measured; ffmpegProbed: Measured; size: string; bytesRead: number };
}

/** In the measuring process (pinned to one core by its parent): one side of the comparison, as JSON on stdout. */
async function measure(
  side: string,
  dir: string,
  url: string,
): Promise<Timing & { size?: string; bytesRead?: number }> {
  const pdf = readFileSync(join(dir, 'document.pdf'));
  const run = promisify(execFile);
  if (side === 'pdf') {
    const renderer = new PdfRenderer();
    const resizer = new ImageResizer();
    let size = '';
    const timing = await timed(PDF_RUNS, async () => {
      const page = await renderer.firstPage(pdf);
      const preview = await resizer.previewOfPixels(page.pixels, page.width, page.height);
      size = `${preview.width}×${preview.height}`;
    });
    renderer.onModuleDestroy();
    return { ...timing, size };
  }
  if (side === 'pdftoppm') {
    const out = join(dir, 'page');
    return timed(PDF_RUNS, () =>
      run('pdftoppm', [
        '-scale-to',
        '400',
        '-f',
        '1',
        '-l',
        '1',
        '-jpeg',
        '-singlefile',
        join(dir, 'document.pdf'),
        out,
      ]),
    );
  }
  if (side === 'video') {
    const posters = new VideoPoster();
    const resizer = new ImageResizer();
    let size = '';
    let bytesRead = 0;
    const timing = await timed(VIDEO_RUNS, async () => {
      const frame = await posters.poster(httpRangeSource(url), 'video/mp4');
      const preview = await resizer.preview(frame.png);
      size = `${preview.width}×${preview.height}`;
      bytesRead = frame.bytesRead;
    });
    return { ...timing, size, bytesRead };
  }
  // The command line one would type for the same frame: seek to 10 %, one frame, 400 wide, JPEG. With the
  // duration known beforehand ('ffmpeg'), or first read from the file as the worker must ('ffmpeg-probed':
  // `ffmpeg -i <url>` describes the input, and exits 1 for want of an output).
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-threads', '1', '-ss', String(CLIP_SECONDS / 10)];
  const tail = ['-frames:v', '1', '-vf', 'scale=400:-2', '-filter_threads', '1', join(dir, 'poster.jpg')];
  const describe = () => run(testFfmpeg(), ['-hide_banner', '-i', url]).catch(() => undefined);
  return timed(VIDEO_RUNS, async () => {
    if (side === 'ffmpeg-probed') await describe();
    await run(testFfmpeg(), [...args, '-i', url, ...tail]);
  });
}

/**
 * Runs one side in a fresh process on core 0, under a wrapper that reports the tree's peak RSS (KiB). Not
 * synchronously: s3rver, in this process, serves the clip meanwhile.
 */
async function side(name: string, dir: string, url: string): Promise<Measured & { size?: string; bytesRead?: number }> {
  const wrapper =
    'import resource, subprocess, sys\n' +
    'out = subprocess.run(sys.argv[1:], check=True, stdout=subprocess.PIPE).stdout.decode()\n' +
    'print(out.strip().split("\\n")[-1])\n' +
    'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';
  const command = [process.execPath, '-r', '@swc-node/register', 'bench/media-documents.ts', name, dir, url];
  const { stdout: out } = await promisify(execFile)('python3', ['-c', wrapper, 'taskset', '-c', '0', ...command], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const [json, peak] = out.trim().split('\n').slice(-2);
  return { ...(JSON.parse(json) as Timing), peakMiB: Number(peak) / 1024 };
}

/** A 60 s 1080p H.264 MP4 at ~8 Mbit/s with a moving picture (ffmpeg's testsrc2) and AAC sound, index at the end. */
async function clip(file: string): Promise<void> {
  const source = `testsrc2=s=1920x1080:r=30:d=${CLIP_SECONDS}`;
  await promisify(execFile)(testFfmpeg(), [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${CLIP_SECONDS}`],
    ...[
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-b:v',
      '8M',
      '-g',
      '60',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      file,
    ],
  ]);
}

/** Makes the files, serves the clip from s3rver, and measures each side in a process of its own. */
export async function measureDocuments(): Promise<DocumentFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'clouddrive-documents-bench-'));
  const s3 = await startS3rver(join(dir, 's3'), 'bench');
  try {
    writeFileSync(join(dir, 'document.pdf'), await pdfDocument({ pages: 50 }));
    const clipFile = join(dir, 'clip.mp4');
    await clip(clipFile);
    const video = readFileSync(clipFile);
    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await client.send(new PutObjectCommand({ Bucket: 'bench', Key: 'clip.mp4', Body: video }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'bench', Key: 'clip.mp4' }), {
      expiresIn: 3600,
    });
    const pdf = await side('pdf', dir, url);
    const pdftoppm = await side('pdftoppm', dir, url);
    const ours = await side('video', dir, url);
    const ffmpeg = await side('ffmpeg', dir, url);
    const ffmpegProbed = await side('ffmpeg-probed', dir, url);
    return {
      pdf: { bytes: readFileSync(join(dir, 'document.pdf')).length, ours: pdf, pdftoppm, size: pdf.size ?? '' },
      video: { bytes: video.length, ours, ffmpeg, ffmpegProbed, size: ours.size ?? '', bytesRead: ours.bytesRead ?? 0 },
    };
  } finally {
    await s3.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const line = (m: Measured) => `p50 ${ms(m.p50)}, p95 ${ms(m.p95)}, peak ${m.peakMiB.toFixed(0)} MiB`;

/** The results table's rows. */
export function documentRows(figures: DocumentFigures): string[][] {
  const { pdf, video } = figures;
  return [
    [
      `Preview of a 50-page PDF's first page (${(pdf.bytes / 1024).toFixed(0)} KiB, pdf-lib; ${pdf.size} JPEG), one core`,
      `${line(pdf.ours)}; ${(pdf.ours.p50 / pdf.pdftoppm.p50).toFixed(2)}× pdftoppm`,
      'within 1.2× of pdftoppm',
    ],
    ['pdftoppm -scale-to 400 -f 1 -l 1 -jpeg, same PDF, one core (peer of the above)', line(pdf.pdftoppm), ''],
    [
      // What was read stands with the result, not in the measure's name: a new figure replaces the row.
      `Poster frame of a 60 s 1080p H.264 MP4 (${mib(video.bytes)}) from s3rver by range (${video.size} JPEG), one core`,
      `${line(video.ours)}, ${mib(video.bytesRead)} read; ${(video.ours.p50 / video.ffmpegProbed.p50).toFixed(2)}× ffmpeg reading the duration first, ${(video.ours.p50 / video.ffmpeg.p50).toFixed(2)}× ffmpeg told it`,
      'within 1.2× of ffmpeg',
    ],
    [
      'ffmpeg -i <presigned URL> (the duration), then ffmpeg -ss 6 -i <URL> -frames:v 1 -vf scale=400:-2, same MP4, one core (peer of the above: the same job)',
      line(video.ffmpegProbed),
      '',
    ],
    [
      'ffmpeg -ss 6 -i <presigned URL> -frames:v 1 -vf scale=400:-2 alone, the duration known beforehand (a lower bound)',
      line(video.ffmpeg),
      '',
    ],
  ];
}

if (require.main === module) {
  const [name, dir, url] = process.argv.slice(2);
  measure(name, dir, url)
    .then((figures) => console.log(JSON.stringify(figures)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
