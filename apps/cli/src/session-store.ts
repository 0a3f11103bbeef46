/**
 * The saved session: $XDG_CONFIG_HOME/clouddrive/session.json, `{url, token, username, expires_at}`, readable by
 * its owner alone (0600, in a 0700 directory), written whole (a temporary file renamed over it).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SavedSession {
  url: string;
  token: string;
  username: string;
  expires_at: string;
}

export class SessionStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'session.json');
  }

  read(): SavedSession | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const session = JSON.parse(text) as Partial<SavedSession>;
      return typeof session.url === 'string' && typeof session.token === 'string'
        ? (session as SavedSession)
        : undefined;
    } catch {
      return undefined;
    }
  }

  write(session: SavedSession): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(session, null, 2) + '\n', { mode: 0o600 });
    // The mode of a new file is masked by the umask; a file written before may have another: set it.
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
