import { parseRange } from './byte-range';

describe('parseRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['bytes=2-5', { kind: 'partial', start: 2, end: 5 }],
    ['BYTES=2-5', { kind: 'partial', start: 2, end: 5 }],
    ['bytes=2-', { kind: 'partial', start: 2, end: 9 }],
    ['bytes=2-1000', { kind: 'partial', start: 2, end: 9 }],
    ['bytes=-3', { kind: 'partial', start: 7, end: 9 }],
    ['bytes=-30', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=9-9', { kind: 'partial', start: 9, end: 9 }],
    ['bytes=10-', { kind: 'unsatisfiable' }],
    ['bytes=10-20', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=5-2', { kind: 'full' }],
    ['bytes=0-1,3-4', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['bytes=a-b', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=99999999999999999999-', { kind: 'full' }],
  ])('reads %j of a 10-byte object as %j', (header, answer) => {
    expect(parseRange(header, 10)).toEqual(answer);
  });

  it('finds nothing to serve in an empty object', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange(undefined, 0)).toEqual({ kind: 'full' });
  });
});
