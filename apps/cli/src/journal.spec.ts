import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from './journal';

describe('Journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clouddrive-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const upload = { method: 'PUT' as const, url: 'http://s/x', headers: {}, expires_at: '2026-12-01T00:00:00.000Z' };

  it("keeps each API's pending uploads apart, and drops those that settled", () => {
    const one = new Journal(dir, 'http://one');
    const two = new Journal(dir, 'http://two');
    one.add([
      { file_id: 'a', size_in_bytes: 1, upload },
      { file_id: 'b', size_in_bytes: 2, upload },
    ]);
    two.add([{ file_id: 'a', size_in_bytes: 9, upload }]);
    expect([...one.entries().keys()]).toEqual(['a', 'b']);
    expect(two.entries().get('a')?.size_in_bytes).toBe(9);
    expect(statSync(join(dir, 'uploads.json')).mode & 0o777).toBe(0o600);

    one.remove(['a']);
    expect([...one.entries().keys()]).toEqual(['b']);
    expect([...two.entries().keys()]).toEqual(['a']);
  });
});
