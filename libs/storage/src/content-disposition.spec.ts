import { contentDisposition } from './content-disposition';

/** The name a browser takes from `filename*` (RFC 8187: UTF-8, percent-encoded). */
const extendedName = (header: string): string => decodeURIComponent(/; filename\*=UTF-8''([^;\s]*)$/.exec(header)![1]);
/** The quoted ASCII fallback. */
const fallbackName = (header: string): string => /^attachment; filename="((?:[^"\\]|\\.)*)"; /.exec(header)![1];

describe('contentDisposition', () => {
  it('offers an ASCII name as it is', () => {
    expect(contentDisposition('report 2026.pdf')).toBe(
      `attachment; filename="report 2026.pdf"; filename*=UTF-8''report%202026.pdf`,
    );
  });

  it('keeps any Unicode name exactly in filename*, with an ASCII fallback that drops accents', () => {
    const header = contentDisposition('naïve "résumé" 你好.pdf');
    expect(header).toBe(
      `attachment; filename="naive _resume_ __.pdf"; ` +
        `filename*=UTF-8''na%C3%AFve%20%22r%C3%A9sum%C3%A9%22%20%E4%BD%A0%E5%A5%BD.pdf`,
    );
    expect(extendedName(header)).toBe('naïve "résumé" 你好.pdf');
  });

  it.each([
    ['quotes', 'say "hi".txt'],
    ['a backslash', 'back\\slash.txt'],
    ['a quote escaped for a parser', 'a\\"; filename="evil.exe'],
    ['a line break (header injection)', 'a\r\nSet-Cookie: x=1.txt'],
    ['control characters', 'tab\there\u0000nul\u007fdel\u0085nel.txt'],
    ['percent signs', '100% done %41.txt'],
    ['the characters RFC 8187 reserves', "it's (a) *star*; [x], {y}=z.txt"],
    ['emoji', 'party 🎉.png'],
    ['an unpaired surrogate', 'bad\uD800name.txt'],
    ['only non-Latin letters', '你好'],
    ['nothing left in ASCII', '\u0001'],
  ])('stays one safe ASCII header value for a name with %s', (_, name) => {
    const header = contentDisposition(name);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(header).toMatch(/^attachment; filename="[^"\\%]+"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
    expect(fallbackName(header)).not.toBe('');
    const decoded = extendedName(header);
    // eslint-disable-next-line no-control-regex
    expect(decoded).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('drops control characters from both names, and replaces an unpaired surrogate', () => {
    expect(extendedName(contentDisposition('a\r\nb.txt'))).toBe('ab.txt');
    expect(extendedName(contentDisposition('bad\uD800name.txt'))).toBe('bad\uFFFDname.txt');
    expect(fallbackName(contentDisposition('你好'))).toBe('__');
    expect(fallbackName(contentDisposition('\u0001'))).toBe('download');
  });

  it('normalises the name to NFC', () => {
    expect(extendedName(contentDisposition('re\u0301sume\u0301.pdf'))).toBe('résumé.pdf'.normalize('NFC'));
  });
});
