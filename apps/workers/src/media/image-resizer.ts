import { Injectable } from '@nestjs/common';
import sharp, { type Metadata, type ResizeOptions, type Sharp } from 'sharp';
import { IMAGE_EDGE } from '@app/contracts';

/**
 * Only the decoders of the formats CloudDrive previews may run on untrusted bytes: SVG (which could fetch
 * or embed other files), PDF, ImageMagick and the rest are blocked for the whole process, whatever a caller
 * passes to sharp.
 */
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: [
    'VipsForeignLoadJpegBuffer',
    'VipsForeignLoadPngBuffer',
    'VipsForeignLoadWebpBuffer',
    // libvips reads GIF with libnsgif.
    'VipsForeignLoadNsgifBuffer',
    'VipsForeignLoadTiffBuffer',
    'VipsForeignLoadHeifBuffer',
  ],
});
// One image at a time per worker; libvips' cache only helps when the same image is read twice.
sharp.cache(false);

/** At most 100 megapixels are decoded: enough for a 24 MP photo, and a pixel flood is refused from its header. */
export const MAX_INPUT_PIXELS = 100_000_000;
/** Objects bigger than this are not read for a preview (a 100 MP photo is well under it). */
export const MAX_PREVIEW_SOURCE_BYTES = 64 * 1024 * 1024;
const TIME_LIMIT_SECONDS = 20;
/** Inside 400×400, aspect kept, never enlarged. */
const PREVIEW_BOX: ResizeOptions = { width: IMAGE_EDGE, height: IMAGE_EDGE, fit: 'inside', withoutEnlargement: true };

export interface RenderedImage {
  data: Buffer;
  contentType: 'image/jpeg' | 'image/webp';
  extension: 'jpg' | 'webp';
  width: number;
  height: number;
}

/**
 * Why an image could not be rendered: `unsupported` when we choose not to (too many pixels, a codec the
 * installed libvips lacks), `corrupt` when its bytes do not decode.
 */
export class ImageError extends Error {
  constructor(
    readonly reason: 'unsupported' | 'corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

/**
 * Previews and profile photos with sharp. Every input is bounded (pixels, time); the orientation in its
 * EXIF is applied and then all metadata dropped. JPEG unless the image has transparency (then WebP, which
 * keeps it). A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that still covers the target (libvips'
 * shrink-on-load), which is what makes a 12 MP photo cheap.
 */
@Injectable()
export class ImageResizer {
  /** Inside 400×400, aspect kept, never enlarged. */
  preview(input: Buffer): Promise<RenderedImage> {
    return this.render(input, PREVIEW_BOX);
  }

  /**
   * A preview of pixels drawn elsewhere (a PDF's page, RGBA, already inside 400×400): on white, as JPEG, like a
   * photo's.
   */
  async previewOfPixels(pixels: Uint8Array, width: number, height: number): Promise<RenderedImage> {
    const image = sharp(pixels, { raw: { width, height, channels: 4 } }).flatten({ background: '#ffffff' });
    return encodeImage(image.resize({ ...PREVIEW_BOX, kernel: 'lanczos3' }), false);
  }

  /** A 400×400 square: the middle of the image, scaled to cover it. */
  profilePhoto(input: Buffer): Promise<RenderedImage> {
    return this.render(input, { width: IMAGE_EDGE, height: IMAGE_EDGE, fit: 'cover', position: 'centre' });
  }

  private async render(input: Buffer, resize: ResizeOptions): Promise<RenderedImage> {
    if (input.length === 0) throw new ImageError('corrupt', 'An empty file is not an image');
    const image = sharp(input, {
      limitInputPixels: MAX_INPUT_PIXELS,
      failOn: 'error',
      autoOrient: true,
      // GIFs and multi-page TIFFs: the first frame only.
      pages: 1,
    }).timeout({ seconds: TIME_LIMIT_SECONDS });
    let metadata: Metadata;
    try {
      metadata = await image.metadata();
    } catch (error) {
      throw classify(error);
    }
    try {
      return await encodeImage(image.resize({ ...resize, kernel: 'lanczos3' }), metadata.hasAlpha === true);
    } catch (error) {
      // The prebuilt libvips reads HEIC headers but has no HEVC decoder (patents): not a corrupt file.
      if (metadata.format === 'heif' && metadata.compression === 'hevc') {
        throw new ImageError('unsupported', 'HEIC (HEVC) does not decode with the installed libvips');
      }
      throw classify(error);
    }
  }
}

/** JPEG quality 80, or WebP (effort 2) when there is transparency to keep. */
async function encodeImage(pipeline: Sharp, transparent: boolean): Promise<RenderedImage> {
  const encoded = transparent
    ? pipeline.webp({ quality: 80, effort: 2 })
    : pipeline.jpeg({ quality: 80, mozjpeg: false });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return {
    data,
    contentType: transparent ? 'image/webp' : 'image/jpeg',
    extension: transparent ? 'webp' : 'jpg',
    width: info.width,
    height: info.height,
  };
}

function classify(error: unknown): ImageError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit|timeout|unsupported image format/i.test(message)) return new ImageError('unsupported', message);
  return new ImageError('corrupt', message);
}
