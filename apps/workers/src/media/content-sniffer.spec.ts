import { ContentSniffer } from './content-sniffer';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG's first bytes: the signature and an IHDR chunk header (what file-type reads). */
const pngHead = (): Buffer =>
  Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.from([0, 0, 0, 13]), Buffer.from('IHDR'), Buffer.alloc(17)]);

describe('ContentSniffer (file-type)', () => {
  const sniffer = new ContentSniffer();

  it.each([
    ['a PNG', pngHead(), { mime: 'image/png', extension: 'png' }],
    [
      'a JPEG',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]),
      { mime: 'image/jpeg', extension: 'jpg' },
    ],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1'), { mime: 'image/gif', extension: 'gif' }],
    [
      'a Windows executable',
      Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62)]),
      { mime: 'application/x-msdownload', extension: 'exe' },
    ],
    ['a PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), { mime: 'application/pdf', extension: 'pdf' }],
  ])('knows %s by its bytes', async (_, bytes, sniffed) => {
    await expect(sniffer.sniff(bytes)).resolves.toEqual(sniffed);
  });

  it.each([
    ['plain text', Buffer.from('Just some plain words.\n')],
    ['nothing at all', Buffer.alloc(0)],
    ['zeros', Buffer.alloc(64)],
  ])('says nothing of %s', async (_, bytes) => {
    await expect(sniffer.sniff(bytes)).resolves.toBeUndefined();
  });
});
