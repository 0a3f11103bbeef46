/**
 * The uploads this machine announced and has not seen settle: $XDG_STATE_HOME/clouddrive/uploads.json (0600).
 * A job killed between announcing a file and sending its bytes leaves the file pending, holding its name; the
 * next run finds it here, so it knows the pending file is its own: it sends the bytes to the same presigned URL
 * while that is valid, or cancels the pending file and announces it again.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Upload } from '@app/sdk';

export interface JournalEntry {
  /** The API it was announced to. */
  api: string;
  file_id: string;
  size_in_bytes: number;
  upload: Upload;
}

export class Journal {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly api: string,
  ) {
    this.file = join(dir, 'uploads.json');
  }

  private readAll(): JournalEntry[] {
    try {
      const entries = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return Array.isArray(entries) ? (entries as JournalEntry[]) : [];
    } catch {
      return [];
    }
  }

  private writeAll(entries: JournalEntry[]): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(entries) + '\n', { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }

  /** This API's entries, by file id. */
  entries(): Map<string, JournalEntry> {
    return new Map(
      this.readAll()
        .filter((entry) => entry.api === this.api)
        .map((entry) => [entry.file_id, entry]),
    );
  }

  add(entries: Omit<JournalEntry, 'api'>[]): void {
    if (entries.length === 0) return;
    this.writeAll([...this.readAll(), ...entries.map((entry) => ({ ...entry, api: this.api }))]);
  }

  remove(fileIds: Iterable<string>): void {
    const gone = new Set(fileIds);
    if (gone.size === 0) return;
    const all = this.readAll();
    const kept = all.filter((entry) => entry.api !== this.api || !gone.has(entry.file_id));
    if (kept.length !== all.length) this.writeAll(kept);
  }
}
