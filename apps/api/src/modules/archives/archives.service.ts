import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { ArchiveEntry, ArchivesRepository } from '@app/db';
import { ObjectStorage } from '@app/storage';
import { AccessService } from '../access/access.service';
import { ArchiveGrant, ArchiveLinks } from './archive-links';
import { ArchiveLinkDto, ArchiveQueryDto } from './dto/archive.dto';

/** A zip on its way out: its name, its exact length, and the stream that reads it from storage. */
export interface OpenedArchive {
  fileName: string;
  sizeBytes: number;
  stream: Readable;
}

interface Contents {
  entries: ArchiveEntry[];
  files: number;
  bytes: number;
}

/**
 * Folders downloaded as zips. The zip is made as it is sent: each file is read from storage when its turn comes and
 * streamed through, stored without compression (most of a drive is photos, video and documents that are compressed
 * already, and a stored zip's length is known before the first byte, so the download shows its progress).
 */
@Injectable()
export class ArchivesService {
  private readonly logger = new Logger('Archives');
  private readonly links: ArchiveLinks;

  constructor(
    private readonly archives: ArchivesRepository,
    private readonly access: AccessService,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.links = new ArchiveLinks(config.auth.jwtSecret);
  }

  /** A link to the folder's zip, for whoever may see the folder; 413 when the folder is beyond the bounds. */
  async link(userId: string, folderId: string): Promise<ArchiveLinkDto> {
    const folder = (await this.access.folder(userId, folderId, 'view')).item;
    const contents = await this.contents(folderId);
    const grant: ArchiveGrant = {
      folderId,
      userId,
      expires: this.links.expiry(this.config.storage.downloadUrlTtlSeconds),
    };
    const query = new URLSearchParams({
      user_id: userId,
      expires: String(grant.expires),
      signature: this.links.sign(grant),
    });
    return {
      url: `${this.config.storage.publicUrl}/archives/${folderId}?${query}`,
      expires_at: new Date(grant.expires * 1000),
      file_name: `${folder.name}.zip`,
      size_in_bytes: contents.bytes,
      file_count: contents.files,
      folder_count: contents.entries.length - contents.files,
    };
  }

  /**
   * The zip a link names, when the link is good and its user may still see the folder (judged now, not when the
   * link was made): what the folder holds now, streamed.
   */
  async open(folderId: string, query: ArchiveQueryDto): Promise<OpenedArchive> {
    const grant = this.links.verify({ folderId, userId: query.user_id, expires: query.expires }, query.signature);
    const folder = (await this.access.folder(grant.userId, folderId, 'view')).item;
    return { fileName: `${folder.name}.zip`, ...this.zip((await this.contents(folderId)).entries) };
  }

  private async contents(folderId: string): Promise<Contents> {
    const { archiveMaxBytes, archiveMaxEntries } = this.config.storage;
    const entries = await this.archives.entries(folderId, archiveMaxEntries);
    const files = entries.filter((entry) => entry.kind === 'file');
    const bytes = files.reduce((sum, entry) => sum + entry.sizeBytes, 0);
    if (entries.length > archiveMaxEntries || bytes > archiveMaxBytes) {
      throw new AppError(
        'archive_too_large',
        `A folder is zipped with up to ${archiveMaxEntries} files and folders and ${archiveMaxBytes} bytes in all: this one has more. Download its folders one by one.`,
        { max_size_in_bytes: archiveMaxBytes, max_entries: archiveMaxEntries },
      );
    }
    return { entries, files: files.length, bytes };
  }

  /**
   * The zip of the entries: each file opened from storage when the zip reaches it, and closed when the zip's reader
   * goes away (a client that hangs up holds no file or connection to storage).
   */
  private zip(entries: ArchiveEntry[]): { sizeBytes: number; stream: Readable } {
    const zip = new ZipFile();
    const output = zip.outputStream as Readable;
    let reading: Readable | undefined;
    output.once('close', () => reading?.destroy());
    // A file that cannot be read cuts the zip short: the client sees a failed download, never a wrong file. (`on`:
    // a second failure, unheard, would throw.)
    zip.on('error', (error: Error) => output.destroy(error));
    for (const entry of entries) {
      const options = { mtime: entry.updatedAt };
      if (entry.kind === 'folder') {
        zip.addEmptyDirectory(entry.path, options);
        continue;
      }
      zip.addReadStreamLazy(entry.path, { ...options, size: entry.sizeBytes, compress: false }, (done) => {
        const pin = { etag: entry.objectEtag ?? undefined, versionId: entry.objectVersionId ?? undefined };
        this.storage.stream(entry.objectKey!, pin).then(
          (stream) => {
            if (output.destroyed) return stream?.destroy();
            if (!stream) {
              this.logger.warn(`${entry.path} was deleted or replaced while its folder was being zipped`);
              return done(new Error(`${entry.path} is no longer in storage`), undefined as never);
            }
            reading = stream;
            done(null, stream);
          },
          (error: Error) => done(error, undefined as never),
        );
      });
    }
    let sizeBytes = -1;
    // Called at once: every entry is stored (not compressed) with its size given. (@types/yazl omits its argument.)
    const end = zip.end.bind(zip) as (options: undefined, totalSize: (bytes: number) => void) => void;
    end(undefined, (bytes) => (sizeBytes = bytes));
    if (sizeBytes < 0) throw new Error('The zip’s length was not known before its first byte');
    return { sizeBytes, stream: output };
  }
}
