/**
 * Test support: real PDFs (written with pdf-lib) and real video clips (encoded by the ffmpeg binary the workers
 * use), and an HTTP server that serves bytes by range and counts what it sent. No jest globals: the benchmark uses
 * them too.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';

export type Rgb = [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];

/** The ffmpeg binary of the npm package for this platform (the one the workers run). */
export const testFfmpeg = (): string =>
  join(dirname(require.resolve(`@ffmpeg-installer/${process.platform}-${process.arch}/package.json`)), 'ffmpeg');

/**
 * A PDF of `pages` pages of `width`×`height` points: the first filled with `colour` (some text on it too), the
 * others white with their number; `rotate` turns the first page (its /Rotate).
 */
export async function pdfDocument({
  pages = 1,
  width = 612,
  height = 792,
  colour = RED,
  rotate = 0,
}: { pages?: number; width?: number; height?: number; colour?: Rgb; rotate?: number } = {}): Promise<Buffer> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= pages; n++) {
    const page = document.addPage([width, height]);
    if (n === 1) {
      page.drawRectangle({ x: 0, y: 0, width, height, color: rgb(colour[0] / 255, colour[1] / 255, colour[2] / 255) });
      if (rotate) page.setRotation({ type: 'degrees', angle: rotate } as never);
    }
    page.drawText(`Page ${n}`, { x: 36, y: 36, size: 12, font });
  }
  return Buffer.from(await document.save());
}

export type ClipContainer = 'mp4' | 'mov' | 'webm' | 'mkv';

/**
 * A clip encoded by ffmpeg: blue for its first 5 % then red, so a frame from 10 % in is red and the first is blue;
 * a keyframe every `keyframeSeconds` (H.264, or VP9 in WebM), no audio unless `audio`.
 */
export async function encodeClip({
  container = 'mp4',
  seconds = 10,
  width = 320,
  height = 240,
  fps = 25,
  keyframeSeconds = 1,
  audio = false,
  fastStart = false,
}: {
  container?: ClipContainer;
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  keyframeSeconds?: number;
  /**
   * A sound track: a tone (AAC, Opus in WebM), or 'uncompressed': 8 channels of noise as 32-bit PCM at 96 kHz,
   * 3 MB a second, which makes a clip as large as a camera's in no time (MOV and MKV only).
   */
  audio?: boolean | 'uncompressed';
  /** MP4/MOV: the index (moov) first; by default it is at the end, as most cameras write it. */
  fastStart?: boolean;
}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'clip-'));
  const file = join(dir, `clip.${container}`);
  const codec =
    container === 'webm'
      ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8']
      : ['-c:v', 'libx264', '-preset', 'ultrafast'];
  const args = [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `color=c=blue:s=${width}x${height}:d=${seconds}:r=${fps}`],
    ...(audio === 'uncompressed'
      ? ['-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:r=96000,pan=7.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0|c6=c0|c7=c0`]
      : audio
        ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`]
        : []),
    ...['-vf', `drawbox=c=red:t=fill:enable='gte(t,${(seconds * 0.05).toFixed(3)})'`],
    ...codec,
    ...['-g', String(Math.max(1, Math.round(keyframeSeconds * fps))), '-pix_fmt', 'yuv420p'],
    ...(audio === 'uncompressed'
      ? ['-c:a', 'pcm_s32le']
      : audio
        ? ['-c:a', container === 'webm' ? 'libopus' : 'aac']
        : []),
    ...(fastStart ? ['-movflags', '+faststart'] : []),
    file,
  ];
  try {
    await promisify(execFile)(testFfmpeg(), args);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An HTTP server of one object that answers single ranges (206) as storage does, and counts the bytes it sent. */
export interface RangeServer {
  url: string;
  /** Body bytes sent so far, over every request. */
  bytesSent(): number;
  /** The Range header of each request (undefined without one). */
  ranges: (string | undefined)[];
  close(): Promise<void>;
}

export async function rangeServer(body: Buffer, contentType = 'application/octet-stream'): Promise<RangeServer> {
  let sent = 0;
  const ranges: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    ranges.push(request.headers.range);
    const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match && match[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
    if (start >= body.length) {
      response.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    const part = body.subarray(start, end + 1);
    response.writeHead(match ? 206 : 200, {
      'Content-Type': contentType,
      'Content-Length': part.length,
      'Accept-Ranges': 'bytes',
      ...(match ? { 'Content-Range': `bytes ${start}-${end}/${body.length}` } : {}),
    });
    // Written 64 KiB at a time, waiting for the socket to drain: a reader that stops early (ffmpeg, once it has
    // what it needs) closes the connection, and what it never took is not counted.
    const write = (from: number): void => {
      if (response.destroyed) return;
      if (from >= part.length) {
        response.end();
        return;
      }
      const chunk = part.subarray(from, from + 65_536);
      sent += chunk.length;
      if (response.write(chunk)) setImmediate(() => write(from + chunk.length));
      else response.once('drain', () => write(from + chunk.length));
    };
    write(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/object`,
    bytesSent: () => sent,
    ranges,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
