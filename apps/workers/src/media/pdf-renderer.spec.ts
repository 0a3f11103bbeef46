import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { BLUE, fixturePath, pdfDocument, RED, Rgb } from '@app/testing';
import { PDF_TIMEOUT_MS, PdfRenderer } from './pdf-renderer';

/** The colour at the middle of a rendered page. */
function middle(page: { width: number; height: number; pixels: Uint8Array }): Rgb {
  const at = (Math.floor(page.height / 2) * page.width + Math.floor(page.width / 2)) * 4;
  return [page.pixels[at], page.pixels[at + 1], page.pixels[at + 2]];
}

const hostile = (name: string): Promise<Buffer> => readFile(fixturePath('hostile-pdf', name));

describe('PdfRenderer (pdf.js and @napi-rs/canvas in a child process)', () => {
  const renderer = new PdfRenderer();
  afterAll(() => renderer.onModuleDestroy());

  it('renders the first page of a US Letter PDF inside 400×400, in its colour', async () => {
    const page = await renderer.firstPage(await pdfDocument({ colour: RED }));
    expect([page.width, page.height]).toEqual([309, 400]);
    expect(page.pixels.length).toBe(309 * 400 * 4);
    expect(middle(page)).toEqual(RED);
  });

  it('renders only the first page of a 50-page document, and a landscape page 400 wide', async () => {
    const page = await renderer.firstPage(await pdfDocument({ pages: 50, width: 842, height: 595, colour: BLUE }));
    expect([page.width, page.height]).toEqual([400, 283]);
    expect(middle(page)).toEqual(BLUE);
  });

  it('turns a page by its /Rotate, as a reader shows it', async () => {
    const page = await renderer.firstPage(await pdfDocument({ rotate: 90 }));
    expect([page.width, page.height]).toEqual([400, 309]);
  });

  it('enlarges a small page to the preview’s size (a PDF has no pixels of its own)', async () => {
    const page = await renderer.firstPage(await pdfDocument({ width: 100, height: 50 }));
    expect([page.width, page.height]).toEqual([400, 200]);
  });

  it.each([
    ['encrypted.pdf', 'unsupported'],
    ['huge-page.pdf', 'unsupported'],
    ['corrupt.pdf', 'corrupt'],
  ])('%s ends %s, and the next PDF renders', async (name, reason) => {
    await expect(renderer.firstPage(await hostile(name))).rejects.toMatchObject({ name: 'ImageError', reason });
    expect(middle(await renderer.firstPage(await pdfDocument({ colour: BLUE })))).toEqual(BLUE);
  });

  it('draws a page whose content nests 100,000 arrays as blank (the content is skipped), and the next PDF renders', async () => {
    const page = await renderer.firstPage(await hostile('deeply-nested.pdf'));
    expect([page.width, page.height]).toEqual([309, 400]);
    expect(middle(page)).toEqual([255, 255, 255]);
    expect(middle(await renderer.firstPage(await pdfDocument({ colour: BLUE })))).toEqual(BLUE);
  }, 30_000);

  it(
    'kills a page that draws without end after its time, and renders the next PDF in a fresh process',
    async () => {
      await expect(renderer.firstPage(await hostile('endless-content.pdf'))).rejects.toMatchObject({
        name: 'ImageError',
        reason: 'unsupported',
      });
      expect(middle(await renderer.firstPage(await pdfDocument({ colour: RED })))).toEqual(RED);
    },
    PDF_TIMEOUT_MS + 20_000,
  );

  it('refuses an empty file and bytes that are no PDF', async () => {
    await expect(renderer.firstPage(Buffer.alloc(0))).rejects.toMatchObject({ reason: 'corrupt' });
    await expect(
      renderer.firstPage(
        await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
      ),
    ).rejects.toMatchObject({ reason: 'corrupt' });
  });
});
