import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { IMAGE_EDGE } from '@app/contracts';
import { containerDuration } from './container-duration';
import { ImageError } from './image-resizer';
import { RangeSource, withRangeRelay } from './range-relay';

/** The video types the workers make a poster frame of, and the ffmpeg demuxer each is read with (never guessed). */
export const VIDEO_DEMUXERS: Readonly<Record<string, string>> = {
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
  'video/matroska': 'matroska',
};

/** Where the poster frame is taken: this share of the duration in (then the first keyframe after it). */
const POSTER_AT = 0.1;
/** Clips shorter than this get their first frame. */
const SHORT_CLIP_SECONDS = 1;
/** A video whose frames are larger than this is not decoded (8K is 33 MP). */
const MAX_FRAME_PIXELS = 40_000_000;
/** A poster's ffmpeg runs (probe, frame, first frame) share this time, then are killed; a stalled read gives up sooner. */
const POSTER_TIMEOUT_MS = 20_000;
const READ_TIMEOUT_US = 10_000_000;
/** What ffmpeg reads of a video to learn its streams, before seeking. */
const PROBE_BYTES = 64 * 1024;
/** At most this much of a video is read from storage for its poster (ffmpeg's requests are cut past it). */
const MAX_READ_BYTES = 256 * 1024 * 1024;
/** ffmpeg's own report (stderr) and a poster (stdout) are read up to these sizes. */
const MAX_REPORT_BYTES = 256 * 1024;
const MAX_POSTER_BYTES = 8 * 1024 * 1024;

export interface VideoFacts {
  durationSeconds: number | null;
  /** The frame's size as shown (a rotation of ±90° swaps the stored sides). */
  width: number;
  height: number;
}

export interface VideoPosterFrame extends VideoFacts {
  /** A PNG of the poster frame, inside 400×400. */
  png: Buffer;
  /** What was read of the video from storage, in bytes. */
  bytesRead: number;
}

/** The ffmpeg binary of the npm package for this platform (`@ffmpeg-installer/<os>-<arch>`). */
export function ffmpegPath(): string {
  return join(dirname(require.resolve(`@ffmpeg-installer/${process.platform}-${process.arch}/package.json`)), 'ffmpeg');
}

/**
 * Poster frames with ffmpeg, read from storage by range: the duration is read from the container's header by a
 * few small ranges (see containerDuration), then one ffmpeg run seeks to the poster's time, writes the frame and
 * describes the video (duration, frame size) on stderr; when the header states no duration ffmpeg is asked first,
 * in a run of its own. ffmpeg reads through a loopback relay (see withRangeRelay) that fetches what it asks for a
 * window at a time and stops past 256 MB. ffmpeg may open nothing but HTTP (a playlist or a reference inside the
 * file cannot reach a local file or another protocol), the demuxer is the one the sniffed type names, and its runs
 * are killed 20 s after the poster was asked for.
 */
@Injectable()
export class VideoPoster {
  /** Found on first use: a function that never sees a video (profile photos) ships no ffmpeg. */
  private binary?: string;

  async poster(source: RangeSource, contentType: string): Promise<VideoPosterFrame> {
    const demuxer = VIDEO_DEMUXERS[contentType];
    if (!demuxer) throw new ImageError('unsupported', `No poster frames of ${contentType}`);
    const deadline = Date.now() + POSTER_TIMEOUT_MS;
    // The header's duration lets one ffmpeg run seek to the poster and describe the video as it goes; without it
    // (a header this reader does not follow, or none stated) ffmpeg is asked first.
    const stated = await containerDuration(source, demuxer, AbortSignal.timeout(POSTER_TIMEOUT_MS));
    const { result, bytesRelayed } = await withRangeRelay(source, MAX_READ_BYTES - stated.bytesRead, (local) =>
      this.posterOf(local, demuxer, stated.seconds, deadline),
    );
    return { ...result, bytesRead: stated.bytesRead + bytesRelayed };
  }

  private async posterOf(
    url: string,
    demuxer: string,
    stated: number | null,
    deadline: number,
  ): Promise<Omit<VideoPosterFrame, 'bytesRead'>> {
    const probed = stated === null ? await this.probe(url, demuxer, deadline) : null;
    const duration = stated ?? probed!.durationSeconds;
    // The mark is rounded down to a tenth of a second: a keyframe a few milliseconds short of it (the usual GOP
    // of a 60 s clip puts one at 6.000 s, its mark at 6.002 s) is taken rather than the next.
    const at = duration !== null && duration >= SHORT_CLIP_SECONDS ? Math.floor(duration * POSTER_AT * 10) / 10 : 0;
    // Past the mark, only keyframes are decoded: the first one there is the poster. A clip without one after
    // the mark (a single keyframe at the start) gets its first frame.
    let taken = await this.frame(url, demuxer, at, deadline);
    if (!taken.png && at > 0) taken = await this.frame(url, demuxer, 0, deadline);
    if (!taken.png) throw new ImageError('corrupt', 'ffmpeg decoded no frame');
    return { ...(probed ?? parseReport(inputPart(taken.report))), png: taken.png };
  }

  /** Duration and frame size, from what ffmpeg reports of its input. */
  private async probe(url: string, demuxer: string, deadline: number): Promise<VideoFacts> {
    // With no output named ffmpeg only describes its input, and exits 1.
    const { report, code } = await this.run([...this.input(url, demuxer)], deadline, true);
    if (!report.trim()) throw new ImageError('corrupt', `ffmpeg described nothing (exit ${code})`);
    return parseReport(report);
  }

  /** The frame at `at` (a PNG, or null when none was decoded), and ffmpeg's description of its input. */
  private async frame(
    url: string,
    demuxer: string,
    at: number,
    deadline: number,
  ): Promise<{ png: Buffer | null; report: string }> {
    const scale = `scale=w='min(${IMAGE_EDGE},iw)':h='min(${IMAGE_EDGE},ih)':force_original_aspect_ratio=decrease`;
    const { stdout, code, report } = await this.run(
      [
        ...(at > 0 ? ['-skip_frame', 'nokey', '-ss', at.toFixed(3)] : []),
        ...this.input(url, demuxer),
        ...['-map', '0:v:0', '-an', '-sn', '-dn', '-frames:v', '1', '-vf', scale, '-filter_threads', '1'],
        ...['-c:v', 'png', '-compression_level', '1', '-f', 'image2pipe', 'pipe:1'],
      ],
      deadline,
      true,
    );
    if (code !== 0) {
      // A frame over the bound (see -max_pixels) is unsupported, as the probe says; anything else is corrupt.
      parseReport(inputPart(report));
      throw new ImageError('corrupt', lastLine(report));
    }
    return { png: stdout.length > 0 ? stdout : null, report };
  }

  private input(url: string, demuxer: string): string[] {
    return [
      ...['-protocol_whitelist', 'http,tcp', '-rw_timeout', String(READ_TIMEOUT_US)],
      // The relay answers a window at a time (see withRangeRelay): ffmpeg asks again from where one ended.
      ...['-reconnect', '1'],
      // The container's header says what a poster needs (size, duration, codec): ffmpeg's default probing would
      // read and decode up to 5 MB more on every run, most of the time a poster takes.
      ...['-probesize', String(PROBE_BYTES), '-analyzeduration', '0'],
      // No frame larger than the bound is decoded (the report's size is checked too, once ffmpeg has run).
      ...['-max_pixels', String(MAX_FRAME_PIXELS), '-threads', '1', '-f', demuxer, '-i', url],
    ];
  }

  /** Runs ffmpeg; `describe` has it print its description of the input (loglevel info) besides any error. */
  private run(
    args: string[],
    deadline: number,
    describe = false,
  ): Promise<{ stdout: Buffer; report: string; code: number | string | null }> {
    const loglevel = describe ? 'info' : 'error';
    return new Promise((resolve, reject) => {
      this.binary ??= ffmpegPath();
      const child = spawn(this.binary, ['-hide_banner', '-nostdin', '-loglevel', loglevel, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let outBytes = 0;
      let report = '';
      let failure: ImageError | undefined;
      const stop = (error: ImageError): void => {
        failure ??= error;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(
        () => stop(new ImageError('unsupported', `The poster frame took longer than ${POSTER_TIMEOUT_MS / 1000} s`)),
        Math.max(0, deadline - Date.now()),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > MAX_POSTER_BYTES) stop(new ImageError('corrupt', 'ffmpeg wrote more than a poster'));
        else out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (report.length < MAX_REPORT_BYTES) report += chunk.toString('utf8');
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (failure) reject(failure);
        else resolve({ stdout: Buffer.concat(out), report, code: code ?? signal });
      });
    });
  }
}

/**
 * Reads ffmpeg's description of its input: `Duration: 00:01:00.02, …` and the first video stream's
 * `Stream #0:0…: Video: h264 (High) …, yuv420p(…), 1920x1080 [SAR 1:1 DAR 16:9], …`, with its rotation
 * (`rotate : 90` or `displaymatrix: rotation of -90.00 degrees`).
 */
export function parseReport(report: string): VideoFacts {
  const lines = report.split('\n');
  const videoAt = lines.findIndex((line) => /^\s*Stream #\d+:\d+.*: Video: /.test(line));
  if (videoAt < 0) {
    throw new ImageError('corrupt', lastLine(report) || 'No video stream');
  }
  const size = /, (\d{1,5})x(\d{1,5})\b/.exec(lines[videoAt]);
  if (!size) throw new ImageError('corrupt', 'The video stream has no frame size');
  let [width, height] = [Number(size[1]), Number(size[2])];
  if (width < 1 || height < 1) throw new ImageError('corrupt', 'The video stream has no frame size');
  if (width * height > MAX_FRAME_PIXELS) throw new ImageError('unsupported', `Frames of ${width}×${height}`);
  // The stream's own lines (metadata, side data) come before the next stream.
  const next = lines.findIndex((line, i) => i > videoAt && /^\s*Stream #/.test(line));
  const own = lines.slice(videoAt + 1, next < 0 ? undefined : next).join('\n');
  const rotation = /rotate\s*:\s*(-?\d+)/.exec(own) ?? /rotation of (-?[\d.]+) degrees/.exec(own);
  if (rotation && Math.abs(Math.round(Number(rotation[1]))) % 180 === 90) [width, height] = [height, width];
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(report);
  const durationSeconds = duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : null;
  return { durationSeconds, width, height };
}

/** The part of a report that describes the input: what precedes the stream mapping and the output's description. */
function inputPart(report: string): string {
  const end = report.search(/^(Stream mapping:|Output #)/m);
  return end < 0 ? report : report.slice(0, end);
}

function lastLine(report: string): string {
  return report.trim().split('\n').pop()?.trim() ?? '';
}
