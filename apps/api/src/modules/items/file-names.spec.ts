import { extensionOf, keepName, splitName } from './file-names';

describe('file names', () => {
  it.each([
    ['photo.png', { stem: 'photo', number: 0, extension: '.png' }],
    ['photo(3).png', { stem: 'photo', number: 3, extension: '.png' }],
    ['archive.tar.gz', { stem: 'archive.tar', number: 0, extension: '.gz' }],
    ['.bashrc', { stem: '.bashrc', number: 0, extension: '' }],
    ['README', { stem: 'README', number: 0, extension: '' }],
    ['(2)', { stem: '(2)', number: 0, extension: '' }],
    ['report(final).pdf', { stem: 'report(final)', number: 0, extension: '.pdf' }],
    ['trailing.', { stem: 'trailing.', number: 0, extension: '' }],
  ])('splits %s', (name, parts) => expect(splitName(name)).toEqual(parts));

  it.each([
    ['Photo.PNG', 'png'],
    ['a.tar.gz', 'gz'],
    ['.env', ''],
    ['noext', ''],
  ])('the type of %s is %s', (name, type) => expect(extensionOf(name)).toBe(type));

  it('numbers on from 1, then from the number the name already has, skipping taken ones', () => {
    expect(keepName('photo.png', [])).toBe('photo(1).png');
    expect(keepName('photo.png', ['photo(1).png'])).toBe('photo(2).png');
    expect(keepName('photo(3).png', ['photo(4).png'])).toBe('photo(5).png');
    expect(keepName('Notes', ['notes(1)'])).toBe('Notes(2)');
  });

  it('numbers a folder’s whole name, dots and all', () => {
    const folder = (name: string) => splitName(name, { extension: false });
    expect(folder('v1.2(3)')).toEqual({ stem: 'v1.2', number: 3, extension: '' });
    expect(keepName('Trip 2024.06', [], folder('Trip 2024.06'))).toBe('Trip 2024.06(1)');
    expect(keepName('v1.2(3)', ['v1.2(4)'], folder('v1.2(3)'))).toBe('v1.2(5)');
  });
});
