import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, MaxLength } from 'class-validator';

/**
 * A Content-Type an upload may declare: a bare `type/subtype` (storage signs it, and the client must send it
 * byte for byte). What the bytes really are is sniffed later; this is only what the PUT carries.
 */
export const IsUploadContentType = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    MaxLength(255),
    Matches(/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/, { message: 'must be a media type such as image/png' }),
  );
