/**
 * A child process that renders the first page of a PDF with pdf.js onto a canvas (@napi-rs/canvas) and sends its
 * pixels back. It runs apart from the worker so that a PDF that loops or exhausts memory is ended by a kill
 * (see PdfRenderer), never by the worker's own death. One request at a time, over the IPC channel.
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PdfPageReply, PdfPageRequest } from './pdf-page.protocol';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type Canvas = typeof import('@napi-rs/canvas');

/** Larger than any real page (200 inches; PDF itself caps a side at 14,400 units): refused before rendering. */
const MAX_PAGE_SIDE_POINTS = 14_400;
/** An image inside the PDF larger than this many pixels is not decoded (its place stays blank). */
const MAX_IMAGE_PIXELS = 40_000_000;
/** Scratch canvases pdf.js makes (patterns, groups, masks) are capped at this many bytes. */
const MAX_CANVAS_BYTES = 64 * 1024 * 1024;

let libraries: Promise<{ pdfjs: PdfJs; canvas: Canvas; fonts: string }> | undefined;

function load(): Promise<{ pdfjs: PdfJs; canvas: Canvas; fonts: string }> {
  libraries ??= (async () => {
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const canvas = await import('@napi-rs/canvas');
    // The 14 standard fonts ship in the package: read from disk, never fetched, and no system font is used.
    const root = dirname(require.resolve('pdfjs-dist/package.json'));
    return { pdfjs, canvas, fonts: pathToFileURL(join(root, 'standard_fonts')).href + '/' };
  })();
  return libraries;
}

async function render(request: PdfPageRequest): Promise<PdfPageReply> {
  const { pdfjs, canvas, fonts } = await load();
  const task = pdfjs.getDocument({
    // pdf.js wants a plain Uint8Array (a Buffer is refused): a view of the same bytes.
    data: new Uint8Array(request.pdf.buffer, request.pdf.byteOffset, request.pdf.byteLength),
    // No JavaScript: fonts and functions are interpreted, never compiled with eval; XFA forms are not run.
    isEvalSupported: false,
    enableXfa: false,
    // No network and no system: fonts embedded in the PDF or the package's standard ones only.
    disableFontFace: true,
    useSystemFonts: false,
    standardFontDataUrl: fonts,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    isOffscreenCanvasSupported: false,
    maxImageSize: MAX_IMAGE_PIXELS,
    canvasMaxAreaInBytes: MAX_CANVAS_BYTES,
    stopAtErrors: false,
    verbosity: 0,
  });
  try {
    let document;
    try {
      document = await task.promise;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      // A password-protected PDF cannot be read without its password: not a broken file.
      if (name === 'PasswordException') return { ok: false, reason: 'unsupported', message: 'The PDF is encrypted' };
      throw error;
    }
    const page = await document.getPage(1);
    const natural = page.getViewport({ scale: 1 });
    const [width, height] = [Math.abs(natural.width), Math.abs(natural.height)];
    if (!(width >= 1 && height >= 1)) return { ok: false, reason: 'corrupt', message: 'The first page has no area' };
    if (width > MAX_PAGE_SIDE_POINTS || height > MAX_PAGE_SIDE_POINTS) {
      return { ok: false, reason: 'unsupported', message: `The first page is ${width}×${height} points` };
    }
    // Rendered straight at the preview's size (as pdftoppm -scale-to does): the page's rotation applied.
    const viewport = page.getViewport({ scale: Math.min(request.edge / width, request.edge / height) });
    const surface = canvas.createCanvas(
      Math.max(1, Math.round(viewport.width)),
      Math.max(1, Math.round(viewport.height)),
    );
    const context = surface.getContext('2d');
    await page.render({ canvas: surface as never, canvasContext: context as never, viewport }).promise;
    const pixels = context.getImageData(0, 0, surface.width, surface.height).data;
    return {
      ok: true,
      width: surface.width,
      height: surface.height,
      pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    };
  } finally {
    await task.destroy();
  }
}

process.on('message', (request: PdfPageRequest) => {
  render(request)
    .catch((error: unknown): PdfPageReply => ({
      ok: false,
      reason: 'corrupt',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }))
    .then((reply) => process.send!(reply));
});
process.send!('ready');
