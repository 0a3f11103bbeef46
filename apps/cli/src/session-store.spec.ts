import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionStore } from './session-store';

describe('SessionStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'clouddrive-session-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the session readable by its owner alone, and forgets it', () => {
    const store = new SessionStore(join(root, 'clouddrive'));
    expect(store.read()).toBeUndefined();
    const session = { url: 'http://api.test', token: 't', username: 'alice', expires_at: '2026-12-01T00:00:00.000Z' };
    store.write(session);
    expect(store.read()).toEqual(session);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    store.clear();
    expect(store.read()).toBeUndefined();
  });

  it('takes a damaged file for no session', () => {
    const store = new SessionStore(join(root, 'damaged'));
    store.write({ url: 'u', token: 't', username: 'a', expires_at: 'e' });
    writeFileSync(store.file, '{not json');
    expect(store.read()).toBeUndefined();
    writeFileSync(store.file, '{"url": 3}');
    expect(store.read()).toBeUndefined();
  });
});
