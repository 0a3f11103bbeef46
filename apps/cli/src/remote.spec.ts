import { nameKey, parentAndName, splitPath } from './remote';

describe('remote paths', () => {
  it('walk from the root, or from an id in first place', () => {
    expect(splitPath('/Reports/2026/')).toEqual({ names: ['Reports', '2026'] });
    expect(splitPath('Reports/./q1.pdf')).toEqual({ names: ['Reports', 'q1.pdf'] });
    expect(splitPath('/')).toEqual({ names: [] });
    const id = '3F0C1A2B-1111-4222-8333-444455556666';
    expect(splitPath(`${id}/q1.pdf`)).toEqual({ id: id.toLowerCase(), names: ['q1.pdf'] });
    // A leading slash means the root, even before a name that looks like an id.
    expect(splitPath(`/${id}`)).toEqual({ names: [id] });
    expect(() => splitPath('/a/../b')).toThrow(/not allowed/);
  });

  it('split into the parent and the name', () => {
    expect(parentAndName('/a/b/c.txt')).toEqual({ parent: '/a/b', name: 'c.txt' });
    expect(parentAndName('/top/')).toEqual({ parent: '/', name: 'top' });
    expect(parentAndName('top')).toEqual({ parent: '', name: 'top' });
    expect(() => parentAndName('/')).toThrow(/No name/);
  });

  it('compare names as the API does: NFC, trimmed, in any case', () => {
    expect(nameKey(' Cafe\u0301.TXT ')).toBe(nameKey('café.txt'));
  });
});
