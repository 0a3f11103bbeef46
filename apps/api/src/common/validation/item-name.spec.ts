import { itemNameProblem, normaliseItemName } from './item-name';
import { CONTROL_MESSAGE, hiddenCharacterProblem, INVISIBLE_MESSAGE } from './visible-text';

/** What a client's name becomes and whether it is refused, as the DTOs see it. */
const problemOf = (name: string) => itemNameProblem(normaliseItemName(name));

describe('item names', () => {
  it.each([
    ['a right-to-left override (rtl\u202Egpj.exe shows as rtlexe.jpg)', 'rtl\u202Egpj.exe'],
    ['a left-to-right embedding', 'a\u202Ab'],
    ['a pop directional formatting', 'a\u202Cb'],
    ['a right-to-left isolate', 'a\u2067b'],
    ['a pop directional isolate', 'a\u2069b'],
    ['a zero-width space', 'a\u200Bb'],
    ['a zero-width non-joiner between Latin letters', 'a\u200Cb'],
    ['a zero-width joiner between letters', 'a\u200Db'],
    ['a left-to-right mark', 'a\u200Eb'],
    ['a right-to-left mark', 'a\u200Fb'],
    ['a word joiner', 'a\u2060b'],
    ['an invisible plus', 'a\u2064b'],
    ['a byte-order mark inside the name', 'a\uFEFFb'],
    ['an Arabic letter mark', 'a\u061Cb'],
    ['a soft hyphen', 'a\u00ADb'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
    ['a tag character outside a flag', 'a\u{E0061}b'],
    ['a zero-width joiner at the end of an emoji', '😀\u200D'],
  ])('refuses %s as invisible', (_, name) => {
    expect(problemOf(name)).toBe(INVISIBLE_MESSAGE);
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['BEL', 'a\u0007b'],
    ['DEL', 'a\u007fb'],
    ['a C1 control (NEL)', 'a\u0085b'],
    ['a C1 control (CSI)', 'a\u009bb'],
    ['a tab inside the name', 'a\tb'],
  ])('refuses %s as a control character', (_, name) => {
    expect(problemOf(name)).toBe(CONTROL_MESSAGE);
  });

  it.each([
    ['accents, composed or not', 'Re\u0301sume\u0301 café'],
    ['Hebrew', 'שלום.txt'],
    ['Arabic', 'تقرير.pdf'],
    ['Persian with a zero-width non-joiner between two letters', 'می\u200Cخواهم.txt'],
    ['Japanese', '写真.jpg'],
    ['an emoji', '😀 party.png'],
    ['an emoji ZWJ sequence (a family)', '👨\u200D👩\u200D👧 photos'],
    ['an emoji ZWJ sequence with a variation selector (rainbow flag)', '🏳\uFE0F\u200D🌈'],
    ['an emoji ZWJ sequence with a skin tone', '👩🏽\u200D💻 work'],
    ['a subdivision flag (tags)', '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} trip'],
    ['a byte-order mark at the start (trimmed away)', '\uFEFFnotes.txt'],
  ])('accepts %s', (_, name) => {
    expect(problemOf(name)).toBeUndefined();
  });

  it('stores names in NFC: composed and decomposed é give the same name', () => {
    expect(normaliseItemName('Re\u0301sume\u0301')).toBe(normaliseItemName('R\u00e9sum\u00e9'));
    expect(normaliseItemName('Re\u0301sume\u0301')).toBe('R\u00e9sum\u00e9');
  });

  it('still refuses separators, dot names and empty or overlong names', () => {
    expect(problemOf('a/b')).toBe('must not contain / or \\');
    expect(problemOf('a\\b')).toBe('must not contain / or \\');
    expect(problemOf('..')).toBe('must not be . or ..');
    expect(problemOf('  ')).toMatch(/1 to 255/);
    expect(problemOf('x'.repeat(256))).toMatch(/1 to 255/);
  });
});

describe('hiddenCharacterProblem', () => {
  it('refuses half of a surrogate pair, and accepts text that shows as it is', () => {
    expect(hiddenCharacterProblem('a\ud800b')).toBe(INVISIBLE_MESSAGE);
    expect(hiddenCharacterProblem('jane.doe@example.com')).toBeUndefined();
  });
});
