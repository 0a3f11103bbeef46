import { Injectable } from '@nestjs/common';

/** What the bytes say they are, whatever the name or the declared type. */
export interface Sniffed {
  mime: string;
  extension: string;
}

/** How many leading bytes the sniffer needs (file-type reads at most this many for most formats). */
export const SNIFF_BYTES = 4100;

type FileTypeModule = typeof import('file-type');

/** Sniffs a type from the first bytes with `file-type` (ESM-only, so loaded once, lazily). */
@Injectable()
export class ContentSniffer {
  private fileType?: Promise<FileTypeModule>;

  async sniff(head: Uint8Array): Promise<Sniffed | undefined> {
    this.fileType ??= import('file-type');
    const result = await (await this.fileType).fileTypeFromBuffer(head);
    return result ? { mime: result.mime, extension: result.ext } : undefined;
  }
}
