import { IsOptional, IsUUID } from 'class-validator';
import { IsItemName } from '../../../common/validation/item-name';

export class CreateFolderDto {
  /** 1 to 255 characters after NFC normalisation and trimming; no `/`, `\`, control characters, nor invisible or direction-changing ones (bidi controls, zero-width characters). */
  @IsItemName()
  folder_name: string;

  /** The folder to create it in; absent or null for the root of the drive. */
  @IsOptional()
  @IsUUID('4')
  parent_folder_id?: string | null;
}
