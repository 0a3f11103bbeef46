import sharp from 'sharp';
import { BLUE, ClipContainer, encodeClip, RangeServer, rangeServer, RED, Rgb } from '@app/testing';
import { ImageError } from './image-resizer';
import { httpRangeSource } from './range-relay';
import { parseReport, VideoPoster } from './video-poster';

/** A PNG's size and mean colour. */
async function look(png: Buffer): Promise<{ width: number; height: number; middle: Rgb }> {
  const image = sharp(png);
  const [{ width, height }, { channels }] = await Promise.all([image.metadata(), image.stats()]);
  return { width, height, middle: [0, 1, 2].map((i) => Math.round(channels[i].mean)) as Rgb };
}

/** Within the error of a lossy codec's red or blue. */
const near = (got: Rgb, want: Rgb): boolean => got.every((value, i) => Math.abs(value - want[i]) <= 12);

const TYPES: Record<ClipContainer, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/matroska',
};

describe('VideoPoster (ffmpeg over HTTP ranges)', () => {
  const posters = new VideoPoster();
  let server: RangeServer | undefined;
  const serve = async (bytes: Buffer): Promise<string> => {
    server = await rangeServer(bytes);
    return server.url;
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(Object.keys(TYPES) as ClipContainer[])(
    'takes the %s poster frame 10 %% in (red, where the first frame is blue), and reads its duration and size',
    async (container) => {
      const clip = await encodeClip({ container, seconds: 10, width: 320, height: 240 });
      const frame = await posters.poster(httpRangeSource(await serve(clip)), TYPES[container]);
      expect({ duration: Math.round(frame.durationSeconds!), width: frame.width, height: frame.height }).toEqual({
        duration: 10,
        width: 320,
        height: 240,
      });
      const seen = await look(frame.png);
      expect([seen.width, seen.height]).toEqual([320, 240]);
      expect({ middle: seen.middle, red: near(seen.middle, RED) }).toEqual({ middle: seen.middle, red: true });
    },
    30_000,
  );

  it('takes the first frame of a clip shorter than a second', async () => {
    const clip = await encodeClip({ seconds: 0.5 });
    const frame = await posters.poster(httpRangeSource(await serve(clip)), 'video/mp4');
    expect(near((await look(frame.png)).middle, BLUE)).toBe(true);
    expect(frame.durationSeconds).toBeCloseTo(0.5, 1);
  });

  it('takes the first frame when no keyframe follows the 10 % mark (one keyframe, at the start)', async () => {
    const clip = await encodeClip({ seconds: 4, keyframeSeconds: 100 });
    const frame = await posters.poster(httpRangeSource(await serve(clip)), 'video/mp4');
    expect(near((await look(frame.png)).middle, BLUE)).toBe(true);
  });

  it('shrinks a 720p frame inside 400×400 and reads a clip whose index is at its end by range, not whole', async () => {
    const clip = await encodeClip({ container: 'mov', seconds: 40, width: 1280, height: 720, audio: 'uncompressed' });
    expect(clip.length).toBeGreaterThan(100 * 1024 * 1024);
    const frame = await posters.poster(httpRangeSource(await serve(clip)), 'video/quicktime');
    const seen = await look(frame.png);
    expect([seen.width, seen.height]).toEqual([400, 225]);
    expect([frame.width, frame.height]).toEqual([1280, 720]);
    expect(near(seen.middle, RED)).toBe(true);
    // Every request asked for a range; what was sent is about what ffmpeg read (the relay answers a window at a
    // time): a fraction of the file.
    expect(server!.ranges.every((range) => range !== undefined)).toBe(true);
    expect(server!.bytesSent()).toBeLessThan(clip.length / 3);
    // The relay counts what it passed on to ffmpeg: no more than storage sent.
    expect(frame.bytesRead).toBeLessThanOrEqual(server!.bytesSent());
    expect(frame.bytesRead).toBeGreaterThan(0);
  }, 60_000);

  it('calls bytes that are no video corrupt, and a type it does not read unsupported', async () => {
    const url = await serve(Buffer.from('not a video at all, just text '.repeat(100)));
    await expect(posters.poster(httpRangeSource(url), 'video/mp4')).rejects.toMatchObject({
      name: 'ImageError',
      reason: 'corrupt',
    });
    await expect(posters.poster(httpRangeSource(url), 'video/webm')).rejects.toMatchObject({
      name: 'ImageError',
      reason: 'corrupt',
    });
    await expect(posters.poster(httpRangeSource(url), 'video/x-msvideo')).rejects.toMatchObject({
      reason: 'unsupported',
    });
  });

  it('reads a presigned URL by its host name (Node resolves it; the static ffmpeg cannot)', async () => {
    const url = (await serve(await encodeClip({ seconds: 2 }))).replace('127.0.0.1', 'localhost');
    expect((await posters.poster(httpRangeSource(url), 'video/mp4')).width).toBe(320);
  });

  it('opens nothing but HTTP(S): a file path or another protocol is refused', async () => {
    await expect(posters.poster(httpRangeSource('file:///etc/hostname'), 'video/mp4')).rejects.toBeInstanceOf(
      ImageError,
    );
    await expect(posters.poster(httpRangeSource('/etc/hostname'), 'video/mp4')).rejects.toBeInstanceOf(ImageError);
  });
});

describe('parseReport', () => {
  const report = (stream: string, extra = ''): string =>
    [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'http://127.0.0.1/x':",
      '  Duration: 00:01:02.50, start: 0.000000, bitrate: 7 kb/s',
      `    Stream #0:0(und): ${stream}`,
      extra,
      '    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s (default)',
    ].join('\n');

  it('reads the duration and the first video stream’s size', () => {
    const line = 'Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080 [SAR 1:1 DAR 16:9], 25 fps';
    expect(parseReport(report(line))).toEqual({ durationSeconds: 62.5, width: 1920, height: 1080 });
  });

  it('swaps the sides of a stream turned by 90°, by its rotate tag or its display matrix', () => {
    const line = 'Video: h264 (High) (avc1 / 0x31637661), yuv420p, 1920x1080, 30 fps';
    expect(parseReport(report(line, '    Metadata:\n      rotate          : 90'))).toMatchObject({
      width: 1080,
      height: 1920,
    });
    expect(parseReport(report(line, '    Side data:\n      displaymatrix: rotation of -90.00 degrees'))).toMatchObject({
      width: 1080,
      height: 1920,
    });
    expect(parseReport(report(line, '    Metadata:\n      rotate          : 180'))).toMatchObject({
      width: 1920,
      height: 1080,
    });
  });

  it('has no duration when ffmpeg reports N/A, and refuses a report without video or with a flood of pixels', () => {
    const line = 'Video: vp9 (Profile 0), yuv420p(tv), 640x360, SAR 1:1 DAR 16:9, 30 fps';
    expect(parseReport(report(line).replace('00:01:02.50', 'N/A'))).toMatchObject({ durationSeconds: null });
    expect(() => parseReport('Input #0, mov\n  Stream #0:0: Audio: aac')).toThrow(ImageError);
    expect(() => parseReport(report('Video: h264, yuv420p, 20000x20000'))).toThrow(/20000×20000/);
  });
});
