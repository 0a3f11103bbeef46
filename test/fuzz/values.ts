import { Prng } from './prng';

/** JSON text put into a body as it is: what JSON.stringify cannot write (a lone surrogate escape, 1e999). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson values as their text. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const nestedObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Strings no field should take as they are: controls, invisible characters, injections, odd Unicode. */
export function badString(rng: Prng): string {
  return rng.pick<() => string>([
    () => '',
    () => ' ',
    () => '\t\n',
    () => 'a\u0000b',
    () => '\u0000',
    () => `x${String.fromCharCode(rng.int(1, 31))}y`,
    () => 'a\u007fb\u0085c\u009bd',
    () => 'rtl\u202Egpj.exe',
    () => '\u2066a\u2069',
    () => 'a\u200Bb\u200Dc\uFEFF',
    () => '\u061C\u2060\u2064',
    () => '\u2028\u2029',
    () => '😀'.repeat(rng.int(1, 200)),
    () => 'e\u0301'.repeat(rng.int(1, 200)),
    () => 'Ａｄｍｉｎ',
    () => 'x'.repeat(rng.pick([255, 256, 1024, 4096, 70_000])),
    () => '../../etc/passwd',
    () => '..',
    () => '.',
    () => 'a/b\\c',
    () => "' OR 1=1 --",
    () => '"; DROP TABLE users; --',
    () => '<script>alert(1)</script>',
    () => '${jndi:ldap://x}',
    () => '%00%ff',
    () => '__proto__',
    () => 'constructor',
    () => 'null',
    () => 'NaN',
    () => '1e309',
    () => '-1',
    () => '0x10',
    () => 'ASC; DELETE',
    () => 'image/png; charset=x',
    () => 'text/' + 'a'.repeat(300),
  ])();
}

/** Values of every JSON type, and JSON that JSON.stringify would not write. */
export function badValue(rng: Prng, ids: string[]): unknown {
  return rng.pick<() => unknown>([
    () => badString(rng),
    () => badString(rng),
    () => badId(rng, ids),
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.5,
    () => rng.pick([2 ** 31, 2 ** 53 + 2, 2 ** 63, 1e308, -1e308, Number.MIN_VALUE]),
    () => [],
    () => [rng.pick(ids)],
    () => Array.from({ length: rng.pick([2, 101, 5000]) }, (_, i) => i),
    () => ({}),
    () => ({ a: 1 }),
    () => new RawJson('"\\ud800"'),
    () => new RawJson('"a\\udc00b"'),
    () => new RawJson('"\\u0000"'),
    () => new RawJson('1e999'),
    () => new RawJson('-0'),
    () => new RawJson('123456789012345678901234567890'),
    () => new RawJson(nestedArrays(rng.pick([33, 100, 3000]))),
    () => new RawJson(nestedObjects(rng.pick([33, 100, 3000]))),
    () => new RawJson('{"__proto__":{"admin":true}}'),
  ])();
}

/** Strings that are almost, or not at all, an id; and real ids of the wrong kind or of somebody else. */
export function badId(rng: Prng, ids: string[]): string {
  return rng.pick<() => string>([
    () => rng.pick(ids),
    () => rng.pick(ids).toUpperCase(),
    () => rng.uuid(),
    () => '00000000-0000-0000-0000-000000000000',
    () => 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    () => `${rng.hex(8)}-${rng.hex(4)}-1${rng.hex(3)}-8${rng.hex(3)}-${rng.hex(12)}`,
    () => `{${rng.uuid()}}`,
    () => `${rng.uuid()}x`,
    () => rng.uuid().slice(0, 35),
    () => rng.uuid().replace(/-/g, ''),
    () => 'not-a-uuid',
    () => String(rng.int(-5, 100000)),
    () => badString(rng),
  ])();
}

/** Path segments, already percent-encoded as a client would send them (or would not). */
export function badPathSegment(rng: Prng, ids: string[]): string {
  return rng.pick<() => string>([
    () => encodeSafely(badId(rng, ids)),
    () => encodeSafely(badId(rng, ids)),
    () => '%00',
    () => '%ZZ',
    () => '%',
    () => '%E0%A4%A',
    () => '%ED%A0%80',
    () => '%E2%80%AE',
    () => '%F0%9F%98%80',
    () => '..%2F..%2Fetc%2Fpasswd',
    () => '%2e%2e',
    () => 'a'.repeat(rng.pick([300, 5000])),
    () => '%20',
    () => 'null',
    () => 'undefined',
    () => '{{id}}',
    () => `${rng.uuid()}%00`,
    () => `${rng.uuid()};x=1`,
  ])();
}

/** encodeURIComponent, which throws on a lone surrogate: then each UTF-8 byte (the surrogate as U+FFFD). */
export function encodeSafely(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  }
}

/** Cursors a client could forge: not base64, base64 of no JSON, of JSON of the wrong shape, a real one cut short. */
export function badCursor(rng: Prng, real: string[]): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  return rng.pick<() => string>([
    () => rng.pick(real),
    () => rng.pick(real).slice(0, rng.int(0, 20)),
    () => rng.pick(real) + 'A',
    () => '!!!not base64!!!',
    () => b64('not json'),
    () => b64('null'),
    () => b64('[]'),
    () => b64('{}'),
    () => b64('"x"'),
    () => b64(JSON.stringify({ v: 1, k: ['a', 'b'], id: 'x' })),
    () => b64(JSON.stringify({ name: '\u0000', id: rng.uuid(), created_at: 'yesterday' })),
    () => b64(JSON.stringify({ after: [null, 1e308, { a: 1 }] })),
    () => b64(nestedArrays(3000)),
    () => b64('x'.repeat(1000)),
    () => badString(rng),
  ])();
}
