import { IsUUID, ValidateIf } from 'class-validator';
import { IsItemName } from '../../../common/validation/item-name';

export class UpdateFileDto {
  /** The new name. Absent: it keeps its name (null is not a name). */
  @ValidateIf((dto: UpdateFileDto) => dto.file_name !== undefined)
  @IsItemName()
  file_name?: string;

  /** Where to move it: a folder id, or null for the root. Absent: it stays where it is. */
  @ValidateIf((dto: UpdateFileDto) => dto.parent_folder_id !== null && dto.parent_folder_id !== undefined)
  @IsUUID('4')
  parent_folder_id?: string | null;
}
