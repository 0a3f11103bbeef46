import { Readable } from 'node:stream';
import { ClipContainer, encodeClip } from '@app/testing';
import { containerDuration } from './container-duration';
import { RangeSource } from './range-relay';

/** Bytes in memory as a source of ranges, counting what was read. */
function source(bytes: Buffer): RangeSource & { read: number } {
  const read = Object.assign(
    async (start: number, end: number) => {
      const part = bytes.subarray(start, end + 1);
      read.read += part.length;
      return { body: Readable.from([part]), total: bytes.length };
    },
    { read: 0 },
  );
  return read;
}

const DEMUXERS: Record<ClipContainer, string> = { mp4: 'mov', mov: 'mov', webm: 'matroska', mkv: 'matroska' };
const signal = new AbortController().signal;

/** An MP4 box: its 32-bit size, its type, its body. */
const box = (type: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
};

/** An mvhd of version 1 (64-bit times): timescale, then duration. */
function mvhd64(timescale: number, duration: bigint): Buffer {
  const body = Buffer.alloc(4 + 8 + 8 + 4 + 8);
  body[0] = 1;
  body.writeUInt32BE(timescale, 20);
  body.writeBigUInt64BE(duration, 24);
  return box('mvhd', body);
}

describe('containerDuration', () => {
  it.each([
    ['mp4', false],
    ['mp4', true],
    ['mov', false],
    ['webm', false],
    ['mkv', false],
  ] as [ClipContainer, boolean][])(
    'reads the duration a %s header states (index first: %s), by a few small ranges',
    async (container, fastStart) => {
      const clip = await encodeClip({ container, seconds: 7.5, fastStart, audio: true });
      const bytes = source(clip);
      const { seconds, bytesRead } = await containerDuration(bytes, DEMUXERS[container], signal);
      expect(seconds).toBeGreaterThanOrEqual(7.5);
      expect(seconds).toBeLessThan(7.6);
      expect(bytesRead).toBe(bytes.read);
      expect(bytesRead).toBeLessThanOrEqual(2 * 64 * 1024);
    },
    30_000,
  );

  it('reads a 64-bit box size and a version 1 movie header', async () => {
    const mdat = Buffer.alloc(16 + 100_000);
    mdat.writeUInt32BE(1);
    mdat.write('mdat', 4, 'latin1');
    mdat.writeBigUInt64BE(BigInt(mdat.length), 8);
    const file = Buffer.concat([box('ftyp', Buffer.from('isom')), mdat, box('moov', mvhd64(1000, 90_500n))]);
    expect((await containerDuration(source(file), 'mov', signal)).seconds).toBe(90.5);
  });

  it('answers null where no duration is stated or the bytes are no such container, for ffmpeg to say', async () => {
    const unknown = Buffer.concat([box('ftyp', Buffer.from('isom')), box('moov', mvhd64(1000, 2n ** 64n - 1n))]);
    expect((await containerDuration(source(unknown), 'mov', signal)).seconds).toBeNull();
    const text = Buffer.from('not a video at all, just text '.repeat(100));
    expect((await containerDuration(source(text), 'mov', signal)).seconds).toBeNull();
    expect((await containerDuration(source(text), 'matroska', signal)).seconds).toBeNull();
    const cut = (await encodeClip({ container: 'webm', seconds: 2 })).subarray(0, 20);
    expect((await containerDuration(source(cut), 'matroska', signal)).seconds).toBeNull();
  });
});
