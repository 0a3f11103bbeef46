import type { RangeSource } from './range-relay';

/** How much of a container is read to find its duration: the start, and (MP4/MOV) the index's first bytes. */
const HEAD_BYTES = 64 * 1024;
/** Top-level MP4 boxes walked before giving up (a real file has a handful: ftyp, free, mdat, moov…). */
const MAX_BOXES = 32;

type Read = (start: number, end: number) => Promise<Buffer>;

/**
 * The duration, in seconds, that a video's container states in its header, read by a few small ranges: MP4 and
 * MOV's movie header (`mvhd`, inside `moov`, at the start or the end), Matroska and WebM's segment info. It lets
 * one ffmpeg run seek straight to the poster's time. Null when the header states none (a live WebM) or this
 * reader does not find it where it looks: the caller then asks ffmpeg, which knows every container.
 */
export async function containerDuration(
  source: RangeSource,
  demuxer: string,
  signal: AbortSignal,
): Promise<{ seconds: number | null; bytesRead: number }> {
  let bytesRead = 0;
  const read: Read = async (start, end) => {
    const { body } = await source(start, end, signal);
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  };
  let seconds: number | null = null;
  try {
    seconds = demuxer === 'mov' ? await movDuration(read) : await matroskaDuration(read);
  } catch {
    // Bytes this reader does not follow (or a read that failed): ffmpeg will say what they are.
  }
  return { seconds: seconds !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds : null, bytesRead };
}

/** Bytes of the object from `offset`, read HEAD_BYTES at a time and kept, so that neighbouring headers cost no read. */
function reader(read: Read): (offset: number, length: number) => Promise<Buffer> {
  let base = 0;
  let held: Buffer = Buffer.alloc(0);
  return async (offset, length) => {
    if (offset < base || offset + length > base + held.length) {
      base = offset;
      held = await read(offset, offset + Math.max(length, HEAD_BYTES) - 1);
    }
    return held.subarray(offset - base, offset - base + length);
  };
}

/** MP4/MOV: the top-level boxes are walked by their headers to `moov`, whose first child is normally `mvhd`. */
async function movDuration(read: Read): Promise<number | null> {
  const bytes = reader(read);
  let offset = 0;
  for (let boxes = 0; boxes < MAX_BOXES; boxes++) {
    const header = await bytes(offset, 16);
    if (header.length < 8) return null;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let headerSize = 8;
    if (size === 1) {
      if (header.length < 16) return null;
      size = Number(header.readBigUInt64BE(8));
      headerSize = 16;
    }
    if (type === 'moov') return mvhdIn(await bytes(offset + headerSize, 1024));
    // A box of size 0 runs to the end of the file: nothing follows it.
    if (size < headerSize) return null;
    offset += size;
  }
  return null;
}

/** The movie header among the first children of `moov`: its timescale and duration (32 or 64 bits, by version). */
function mvhdIn(moov: Buffer): number | null {
  let offset = 0;
  while (offset + 8 <= moov.length) {
    const size = moov.readUInt32BE(offset);
    if (moov.toString('latin1', offset + 4, offset + 8) === 'mvhd') {
      const body = moov.subarray(offset + 8);
      if (body.length < 32) return null;
      const wide = body[0] === 1;
      const timescale = body.readUInt32BE(wide ? 20 : 12);
      const duration = wide ? Number(body.readBigUInt64BE(24)) : body.readUInt32BE(16);
      // All ones: the duration is not known.
      const unknown = wide ? body.readBigUInt64BE(24) === 0xffffffffffffffffn : duration === 0xffffffff;
      return timescale > 0 && !unknown ? duration / timescale : null;
    }
    if (size < 8) return null;
    offset += size;
  }
  return null;
}

/** Matroska element IDs (with their length marker, as written). */
const EBML_HEADER = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMESTAMP_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const CLUSTER = 0x1f43b675;

/** Matroska/WebM: the segment's Info (its duration, in units of its timestamp scale), before the first cluster. */
async function matroskaDuration(read: Read): Promise<number | null> {
  const head = await read(0, HEAD_BYTES - 1);
  let offset = 0;
  const element = () => {
    const id = vint(head, offset, true);
    const size = vint(head, offset + id.length, false);
    const start = offset + id.length + size.length;
    return { id: id.value, size: size.value, start };
  };
  const first = element();
  if (first.id !== EBML_HEADER || first.size === null) return null;
  offset = first.start + first.size;
  const segment = element();
  if (segment.id !== SEGMENT) return null;
  offset = segment.start;
  while (offset < head.length) {
    const child = element();
    if (child.id === CLUSTER || child.size === null) return null;
    if (child.id === INFO) return infoDuration(head.subarray(child.start, child.start + child.size));
    offset = child.start + child.size;
  }
  return null;
}

function infoDuration(info: Buffer): number | null {
  let scale = 1_000_000;
  let duration: number | null = null;
  let offset = 0;
  while (offset < info.length) {
    const id = vint(info, offset, true);
    const size = vint(info, offset + id.length, false);
    const start = offset + id.length + size.length;
    if (size.value === null || start + size.value > info.length) return null;
    const value = info.subarray(start, start + size.value);
    if (id.value === TIMESTAMP_SCALE && size.value >= 1 && size.value <= 6) scale = value.readUIntBE(0, size.value);
    if (id.value === DURATION && size.value === 4) duration = value.readFloatBE(0);
    if (id.value === DURATION && size.value === 8) duration = value.readDoubleBE(0);
    offset = start + size.value;
  }
  return duration === null ? null : (duration * scale) / 1e9;
}

/**
 * An EBML variable-length integer at `offset`: an element ID (kept with its length marker) or a size (without
 * it; all ones means unknown, null). Throws past the end of the bytes.
 */
function vint(bytes: Buffer, offset: number, isId: boolean): { value: number | null; length: number } {
  if (offset >= bytes.length) throw new RangeError('Past the bytes read');
  const first = bytes[offset];
  const length = first === 0 ? 9 : Math.clz32(first) - 23;
  if (length > (isId ? 4 : 8) || offset + length > bytes.length) throw new RangeError('Not an EBML number');
  let value = isId ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[offset + i];
    allOnes &&= bytes[offset + i] === 0xff;
  }
  return { value: !isId && allOnes ? null : value, length };
}
