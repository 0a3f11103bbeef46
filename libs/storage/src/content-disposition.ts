/**
 * The Content-Disposition of a download (RFC 6266): `attachment` with the name twice, an ASCII-only
 * `filename` for old clients and the exact name as `filename*` (RFC 8187, formerly 5987: UTF-8,
 * percent-encoded), which every current browser prefers. Both storage adapters send exactly this value.
 *
 * The result is plain ASCII whatever the name holds: quotes, backslashes, `%`, control characters and
 * unpaired surrogates can neither break out of the header nor out of the quoted string.
 */
export function contentDisposition(fileName: string): string {
  const cleaned = wellFormed(fileName)
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  const name = cleaned.trim() === '' ? 'download' : cleaned;
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${rfc8187Encode(name)}`;
}

/** The name as printable ASCII: accents dropped (`résumé` → `resume`), anything else, quotes, `\` and `%` as `_`. */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]|["\\%]/gu, '_')
    .trim();
  return ascii.length > 0 ? ascii : 'download';
}

/** RFC 8187 `value-chars`: attr-char as is, every other UTF-8 byte as `%XX`. */
function rfc8187Encode(name: string): string {
  // encodeURIComponent leaves ! ' ( ) * ~ alone; of those, only ! and ~ are attr-chars.
  return encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Unpaired surrogates (which encodeURIComponent refuses) as U+FFFD. */
function wellFormed(value: string): string {
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
