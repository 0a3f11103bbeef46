/**
 * Test support: real image bytes (made with sharp) and the hostile inputs the media worker must refuse. Used
 * by the unit specs, and meant for the end-to-end tests and the benchmark too, so it uses no jest globals.
 *
 * Build images with these functions rather than by loading files through sharp: importing the image resizer
 * blocks sharp's file loaders for the whole process; everything here works from buffers.
 */
import sharp, { type Sharp } from 'sharp';

/** CRC-32 (IEEE), as PNG chunks and zip entries use it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** width × height × 3 bytes of RGB whose content differs in every direction (no symmetry a flip would hide). */
function patternPixels(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      // A dark top-left quarter, a bright bottom-right, and gradients across: upright and mirrored differ.
      const corner = x < width / 2 && y < height / 2 ? 0 : 255;
      pixels[at] = Math.floor((255 * x) / Math.max(1, width - 1));
      pixels[at + 1] = Math.floor((255 * y) / Math.max(1, height - 1));
      pixels[at + 2] = corner;
    }
  }
  return pixels;
}

/** An opaque RGB JPEG of the given size with a pattern on it. */
export function jpegImage(width: number, height: number): Promise<Buffer> {
  return sharp(patternPixels(width, height), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** An opaque RGB PNG of the given size. */
export function pngImage(width: number, height: number): Promise<Buffer> {
  return sharp(patternPixels(width, height), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A PNG with an alpha channel: half transparent on the left, opaque on the right. */
export function alphaPngImage(width: number, height: number): Promise<Buffer> {
  const rgb = patternPixels(width, height);
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = i % width < width / 2 ? 64 : 255;
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

/** An animated GIF of `frames` frames, each `width` × `height`, each a different shade. */
export function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * frames * 3);
  for (let frame = 0; frame < frames; frame++) {
    pixels.fill(Math.floor((255 * (frame + 1)) / frames), frame * width * height * 3, (frame + 1) * width * height * 3);
  }
  return sharp(pixels, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ delay: Array(frames).fill(100), loop: 0 })
    .toBuffer();
}

/** The logical screen size and the number of image frames of a GIF, read from its bytes (no decoder). */
export function gifInfo(gif: Buffer): { width: number; height: number; frames: number } {
  // Every frame is introduced by an image descriptor (0x2c) that a graphic control extension (21 f9 04) precedes.
  let frames = 0;
  for (let at = gif.indexOf(GRAPHIC_CONTROL); at !== -1; at = gif.indexOf(GRAPHIC_CONTROL, at + 1)) frames++;
  return { width: gif.readUInt16LE(6), height: gif.readUInt16LE(8), frames };
}
const GRAPHIC_CONTROL = Buffer.from([0x21, 0xf9, 0x04]);

/**
 * A pixel flood: a small, valid PNG whose header claims `width` × `height` (50000 × 50000 = 2.5 gigapixels by
 * default, 7.5 GB decoded). Its IHDR chunk is patched and its CRC recomputed, so that only the pixel count is
 * wrong.
 */
export async function pixelFloodPng(width = 50_000, height = 50_000): Promise<Buffer> {
  const png = Buffer.from(await pngImage(8, 8));
  // 8-byte signature, then the IHDR chunk: length (4), type (4) at 12, width at 16, height at 20, …, CRC at 29.
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('sharp wrote a PNG without a leading IHDR');
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** Windows executable bytes (an `MZ` header and a PE signature), as an `.exe` renamed `.jpg` would have. */
export function exeBytes(): Buffer {
  const exe = Buffer.alloc(1024);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c); // e_lfanew: where the PE header starts
  exe.write('PE\0\0', 0x80, 'latin1');
  return exe;
}

/** A zip archive holding one small text file, stored uncompressed. */
export function zipBytes(): Buffer {
  const name = Buffer.from('hello.txt');
  const data = Buffer.from('hello, world\n');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  central.writeUInt16LE(20, 6); // version needed
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** A one-page PDF. */
export function pdfBytes(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n' +
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >> endobj\n' +
      'trailer << /Root 1 0 R >>\n%%EOF\n',
    'latin1',
  );
}

/** An SVG that a rasteriser would happily draw (and that could reference other files). */
export function svgBytes(): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">' +
      '<rect width="100" height="100" fill="red"/><image xlink:href="file:///etc/passwd" width="10" height="10"/>' +
      '</svg>\n',
  );
}

/** A JPEG cut inside its header: it starts like a JPEG (and sniffs as one) but does not decode. */
export async function truncatedJpeg(): Promise<Buffer> {
  return (await jpegImage(64, 64)).subarray(0, 120);
}

/**
 * A fingerprint of an image's content: `size` × `size` greyscale bytes, the image squashed to a square. Two
 * renderings of the same picture have close fingerprints whatever their sizes.
 */
export function fingerprint(image: Buffer | Sharp, size = 8): Promise<Buffer> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image) : image;
  return pipeline.resize(size, size, { fit: 'fill' }).greyscale().raw().toBuffer();
}

/** The mean absolute difference of two fingerprints of the same size, 0 (same) to 255. */
export function meanAbsoluteDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`fingerprints differ in size: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
