import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageError, ImageResizer } from './image-resizer';
import {
  alphaPngImage,
  animatedGif,
  fingerprint,
  FIXTURES_DIR,
  gifInfo,
  jpegImage,
  meanAbsoluteDifference,
  pdfBytes,
  pixelFloodPng,
  svgBytes,
  truncatedJpeg,
} from '@app/testing';

const ORIENTATIONS = join(FIXTURES_DIR, 'exif-orientation');
const PNG_SUITE = join(FIXTURES_DIR, 'pngsuite');
const pngSuite = readdirSync(PNG_SUITE).filter((name) => name.endsWith('.png'));
const validPngs = pngSuite.filter((name) => !name.startsWith('x'));
const corruptPngs = pngSuite.filter((name) => name.startsWith('x'));

/** A PNG's size as its IHDR states it, read without a decoder. */
const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

/** The ImageError a rendering rejects with (fails the test when it resolves, or throws something else). */
async function imageErrorOf(rendering: Promise<unknown>): Promise<ImageError> {
  const error = await rendering.then(
    () => new Error('rendered an image that should have been refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  return error as ImageError;
}

describe('ImageResizer', () => {
  const resizer = new ImageResizer();

  it('found its fixtures', () => {
    expect(readdirSync(ORIENTATIONS).filter((name) => name.endsWith('.jpg'))).toHaveLength(18);
    expect(validPngs.length).toBeGreaterThan(150);
    expect(corruptPngs.length).toBeGreaterThan(10);
  });

  describe('turns every EXIF orientation upright and drops the metadata', () => {
    const cases = ['Landscape', 'Portrait'].flatMap((kind) =>
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => [kind, n] as const),
    );
    /** The preview of the file that needs no turning (orientation 1), the reference for its kind. */
    const upright = new Map<string, Promise<Buffer>>();
    const reference = (kind: string) => {
      if (!upright.has(kind)) {
        upright.set(
          kind,
          resizer.preview(readFileSync(join(ORIENTATIONS, `${kind}_1.jpg`))).then((image) => fingerprint(image.data)),
        );
      }
      return upright.get(kind)!;
    };

    it.each(cases)('%s_%i.jpg', async (kind, n) => {
      const preview = await resizer.preview(readFileSync(join(ORIENTATIONS, `${kind}_${n}.jpg`)));

      expect(preview.contentType).toBe('image/jpeg');
      expect(preview.width).toBeLessThanOrEqual(400);
      expect(preview.height).toBeLessThanOrEqual(400);
      expect(Math.max(preview.width, preview.height)).toBe(400);
      if (kind === 'Landscape') expect(preview.width).toBeGreaterThan(preview.height);
      else expect(preview.height).toBeGreaterThan(preview.width);

      const metadata = await sharp(preview.data).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width: preview.width, height: preview.height });
      expect(metadata.orientation).toBeUndefined();
      expect(metadata.exif).toBeUndefined();

      // Not just the right aspect: the picture itself is the right way up (and not mirrored).
      const expected = await reference(kind);
      const asIs = meanAbsoluteDifference(await fingerprint(preview.data), expected);
      const turned = await Promise.all(
        [sharp(preview.data).rotate(180), sharp(preview.data).flip(), sharp(preview.data).flop()].map(async (wrong) =>
          meanAbsoluteDifference(await fingerprint(wrong), expected),
        ),
      );
      expect(asIs).toBeLessThan(8);
      for (const difference of turned) expect(asIs * 4).toBeLessThan(difference);
    });
  });

  describe('the PNG suite', () => {
    it.each(validPngs)('previews %s at its own size (never enlarged)', async (name) => {
      const png = readFileSync(join(PNG_SUITE, name));
      const preview = await resizer.preview(png);
      expect({ width: preview.width, height: preview.height }).toEqual(pngSize(png));
      const metadata = await sharp(preview.data).metadata();
      expect(metadata.format).toBe(preview.contentType === 'image/webp' ? 'webp' : 'jpeg');
      expect({ width: metadata.width, height: metadata.height }).toEqual(pngSize(png));
    });

    it.each(corruptPngs)('refuses the corrupt %s with an ImageError', async (name) => {
      const error = await imageErrorOf(resizer.preview(readFileSync(join(PNG_SUITE, name))));
      expect(['corrupt', 'unsupported']).toContain(error.reason);
    });
  });

  it('previews an animated GIF as a still of its first frame', async () => {
    // Four 600×300 frames of different shades: the first is the darkest.
    const gif = await animatedGif(600, 300, 4);
    expect(gifInfo(gif)).toEqual({ width: 600, height: 300, frames: 4 });

    const preview = await resizer.preview(gif);

    expect({ width: preview.width, height: preview.height }).toEqual({ width: 400, height: 200 });
    const metadata = await sharp(preview.data, { pages: -1 }).metadata();
    expect(metadata.format).toBe(preview.extension === 'webp' ? 'webp' : 'jpeg');
    expect(metadata.pages ?? 1).toBe(1);
    expect(metadata.height).toBe(200);
    const { channels } = await sharp(preview.data).stats();
    expect(channels[0].mean).toBeCloseTo(64, -1);
  });

  it('refuses a zero-byte buffer as corrupt', async () => {
    const error = await imageErrorOf(resizer.preview(Buffer.alloc(0)));
    expect(error.reason).toBe('corrupt');
  });

  it('refuses a pixel flood from its header, as unsupported', async () => {
    const error = await imageErrorOf(resizer.preview(await pixelFloodPng(50_000, 50_000)));
    expect(error.reason).toBe('unsupported');
    expect(error.message).toMatch(/pixel limit/);
  });

  it('refuses the same pixel flood as a profile photo', async () => {
    const error = await imageErrorOf(resizer.profilePhoto(await pixelFloodPng()));
    expect(error.reason).toBe('unsupported');
  });

  it('never rasterises an SVG', async () => {
    await imageErrorOf(resizer.preview(svgBytes()));
    await imageErrorOf(resizer.profilePhoto(svgBytes()));
  });

  it('never renders a PDF', async () => {
    await imageErrorOf(resizer.preview(pdfBytes()));
  });

  it('refuses a JPEG cut inside its header as corrupt', async () => {
    const error = await imageErrorOf(resizer.preview(await truncatedJpeg()));
    expect(error.reason).toBe('corrupt');
  });

  it.each([
    [1200, 900, 400, 300],
    [1000, 600, 400, 240],
    [600, 1000, 240, 400],
    [401, 401, 400, 400],
  ])('fits a %i×%i JPEG inside 400×400 as %i×%i, aspect kept', async (width, height, expectedWidth, expectedHeight) => {
    const preview = await resizer.preview(await jpegImage(width, height));
    expect(preview).toMatchObject({
      contentType: 'image/jpeg',
      extension: 'jpg',
      width: expectedWidth,
      height: expectedHeight,
    });
    expect(await sharp(preview.data).metadata()).toMatchObject({
      format: 'jpeg',
      width: expectedWidth,
      height: expectedHeight,
      hasAlpha: false,
    });
  });

  it('strips the metadata a JPEG came with', async () => {
    const source = await sharp(await jpegImage(800, 600))
      .withExif({ IFD0: { Artist: 'Someone', Copyright: 'Someone else' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(source).metadata()).exif).toBeDefined();

    const metadata = await sharp((await resizer.preview(source)).data).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.orientation).toBeUndefined();
  });

  it('keeps transparency: a PNG with alpha becomes a WebP with alpha', async () => {
    const preview = await resizer.preview(await alphaPngImage(800, 400));
    expect(preview).toMatchObject({ contentType: 'image/webp', extension: 'webp', width: 400, height: 200 });
    const metadata = await sharp(preview.data).metadata();
    expect(metadata).toMatchObject({ format: 'webp', hasAlpha: true, width: 400, height: 200 });
    // The left half was mostly transparent, the right half opaque.
    const alpha = await sharp(preview.data).extractChannel(3).raw().toBuffer();
    expect(alpha[200 * 100 + 50]).toBeLessThan(128);
    expect(alpha[200 * 100 + 350]).toBe(255);
  });

  it('never enlarges: a 10×10 JPEG stays 10×10', async () => {
    const preview = await resizer.preview(await jpegImage(10, 10));
    expect(preview).toMatchObject({ width: 10, height: 10, contentType: 'image/jpeg' });
    expect(await sharp(preview.data).metadata()).toMatchObject({ width: 10, height: 10 });
  });

  describe('profile photos', () => {
    it('makes a 1000×500 image exactly 400×400, from its middle', async () => {
      const source = await jpegImage(1000, 500);
      const photo = await resizer.profilePhoto(source);
      expect(photo).toMatchObject({ width: 400, height: 400, contentType: 'image/jpeg', extension: 'jpg' });
      expect(await sharp(photo.data).metadata()).toMatchObject({ format: 'jpeg', width: 400, height: 400 });
      // Cover, not squash: it matches the 500×500 middle of the source, not the whole source squeezed.
      const middle = await fingerprint(sharp(source).extract({ left: 250, top: 0, width: 500, height: 500 }));
      const whole = await fingerprint(source);
      const result = await fingerprint(photo.data);
      expect(meanAbsoluteDifference(result, middle)).toBeLessThan(meanAbsoluteDifference(result, whole) / 2);
    });

    it('enlarges a small image to 400×400', async () => {
      const photo = await resizer.profilePhoto(await jpegImage(100, 60));
      expect(await sharp(photo.data).metadata()).toMatchObject({ width: 400, height: 400 });
    });

    it('turns an EXIF-rotated photo upright before cropping', async () => {
      const photo = await resizer.profilePhoto(readFileSync(join(ORIENTATIONS, 'Portrait_6.jpg')));
      const reference = await resizer.profilePhoto(readFileSync(join(ORIENTATIONS, 'Portrait_1.jpg')));
      const expected = await fingerprint(reference.data);
      const asIs = meanAbsoluteDifference(await fingerprint(photo.data), expected);
      const turned = meanAbsoluteDifference(await fingerprint(sharp(photo.data).rotate(180)), expected);
      expect(asIs * 4).toBeLessThan(turned);
      expect((await sharp(photo.data).metadata()).exif).toBeUndefined();
    });

    it('keeps transparency as WebP', async () => {
      const photo = await resizer.profilePhoto(await alphaPngImage(300, 300));
      expect(photo).toMatchObject({ contentType: 'image/webp', extension: 'webp', width: 400, height: 400 });
      expect(await sharp(photo.data).metadata()).toMatchObject({ format: 'webp', hasAlpha: true });
    });
  });
});
