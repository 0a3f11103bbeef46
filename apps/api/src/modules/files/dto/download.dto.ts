import { ItemDto } from '../../items';

export class DownloadDto {
  /** A presigned GET: the bytes, as an attachment under the file's name. */
  url: string;
  expires_at: Date;
  file: ItemDto;
}
