import { EnvReader } from './env-reader';

describe('EnvReader', () => {
  describe('raw and string', () => {
    it('trims values and treats unset or blank variables as missing', () => {
      const read = new EnvReader({ SET: '  value  ', BLANK: '   ', EMPTY: '' });
      expect(read.raw('SET')).toBe('value');
      expect(read.raw('BLANK')).toBeUndefined();
      expect(read.raw('EMPTY')).toBeUndefined();
      expect(read.raw('UNSET')).toBeUndefined();
    });

    it('falls back to the default only when the variable is missing', () => {
      const read = new EnvReader({ HOST: '127.0.0.1', BLANK: ' ' });
      expect(read.string('HOST', '0.0.0.0')).toBe('127.0.0.1');
      expect(read.string('BLANK', '0.0.0.0')).toBe('0.0.0.0');
      expect(read.string('UNSET', '0.0.0.0')).toBe('0.0.0.0');
    });
  });

  describe('int', () => {
    it('parses integers within the bounds, the bounds included', () => {
      const read = new EnvReader({ LOW: '1', HIGH: '10', NEG: '-3', PADDED: ' 7 ' });
      expect(read.int('LOW', 5, 1, 10)).toBe(1);
      expect(read.int('HIGH', 5, 1, 10)).toBe(10);
      expect(read.int('NEG', 0, -5, 5)).toBe(-3);
      expect(read.int('PADDED', 0, 0, 10)).toBe(7);
      expect(read.int('UNSET', 5, 1, 10)).toBe(5);
      expect(read.problems).toEqual([]);
    });

    it.each(['abc', '1.5', '1e3', '0x10', '12abc', '- 1', '99999999999999999999'])(
      'refuses %j as a non-integer, naming the variable and the range',
      (value) => {
        const read = new EnvReader({ N: value });
        expect(read.int('N', 5, 0, 100)).toBe(5);
        expect(read.problems).toEqual([expect.stringMatching(/^N must be an integer from 0 to 100 \(got ".*"\)$/)]);
      },
    );

    it('refuses integers outside the bounds and echoes the value', () => {
      const read = new EnvReader({ SMALL: '0', BIG: '11' });
      read.int('SMALL', 5, 1, 10);
      read.int('BIG', 5, 1, 10);
      expect(read.problems).toEqual([
        'SMALL must be an integer from 1 to 10 (got "0")',
        'BIG must be an integer from 1 to 10 (got "11")',
      ]);
    });
  });

  describe('bool', () => {
    it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES', 'on'])('reads %j as true', (value) => {
      const read = new EnvReader({ FLAG: value });
      expect(read.bool('FLAG', false)).toBe(true);
      expect(read.problems).toEqual([]);
    });

    it.each(['false', 'FALSE', 'False', '0', 'no', 'No', 'off'])('reads %j as false', (value) => {
      const read = new EnvReader({ FLAG: value });
      expect(read.bool('FLAG', true)).toBe(false);
      expect(read.problems).toEqual([]);
    });

    it('uses the default when unset and refuses anything else', () => {
      const read = new EnvReader({ FLAG: 'maybe' });
      expect(read.bool('UNSET', true)).toBe(true);
      read.bool('FLAG', false);
      expect(read.problems).toEqual(['FLAG must be true or false (got "maybe")']);
    });
  });

  describe('oneOf', () => {
    const levels = ['info', 'debug'] as const;

    it('accepts an allowed value in any case, lower-cased', () => {
      const read = new EnvReader({ LEVEL: 'DEBUG' });
      expect(read.oneOf('LEVEL', levels, 'info')).toBe('debug');
      expect(read.oneOf('UNSET', levels, 'info')).toBe('info');
    });

    it('refuses a value outside the list, listing the allowed ones', () => {
      const read = new EnvReader({ LEVEL: 'loud' });
      read.oneOf('LEVEL', levels, 'info');
      expect(read.problems).toEqual(['LEVEL must be one of info, debug (got "loud")']);
    });
  });

  describe('url', () => {
    const protocols = ['postgres:', 'postgresql:'];

    it('accepts a URL with an allowed protocol, as given', () => {
      const read = new EnvReader({ A: 'postgres://u:p@h:5432/db', B: 'postgresql://h/db' });
      expect(read.url('A', protocols)).toBe('postgres://u:p@h:5432/db');
      expect(read.url('B', protocols)).toBe('postgresql://h/db');
      expect(read.url('UNSET', protocols)).toBeUndefined();
      expect(read.problems).toEqual([]);
    });

    it.each(['mysql://user:hunter2-secret@h/db', 'not a url hunter2-secret'])(
      'refuses %j without echoing the value',
      (value) => {
        const read = new EnvReader({ DB: value });
        expect(read.url('DB', protocols)).toBeUndefined();
        expect(read.problems).toHaveLength(1);
        expect(read.problems[0]).toMatch(/^DB must be a URL starting with postgres:\/\/ or postgresql:\/\//);
        expect(read.problems[0]).not.toContain('hunter2');
      },
    );
  });

  describe('secret', () => {
    it('accepts a secret of the minimum length and refuses a shorter one without echoing it', () => {
      const read = new EnvReader({ OK: 'a'.repeat(8), TINY: 'xyzzy12' });
      expect(read.secret('OK', 8)).toBe('aaaaaaaa');
      expect(read.secret('UNSET', 8)).toBeUndefined();
      expect(read.secret('TINY', 8)).toBeUndefined();
      expect(read.problems).toEqual([expect.stringMatching(/^TINY must be at least 8 characters long/)]);
      expect(read.problems[0]).not.toContain('xyzzy12');
    });
  });

  describe('list', () => {
    it('splits on commas, trims, and drops empty items', () => {
      expect(new EnvReader({ L: 'a, b,,c , ' }).list('L')).toEqual(['a', 'b', 'c']);
      expect(new EnvReader({}).list('L')).toEqual([]);
    });
  });

  it('collects every problem, in order, including required variables', () => {
    const read = new EnvReader({ PORT: 'x', FLAG: 'maybe' });
    read.int('PORT', 1, 0, 10);
    read.bool('FLAG', false);
    read.require('SECRET', 'when X is set');
    expect(read.problems).toEqual([
      'PORT must be an integer from 0 to 10 (got "x")',
      'FLAG must be true or false (got "maybe")',
      'SECRET must be set when X is set',
    ]);
  });
});
