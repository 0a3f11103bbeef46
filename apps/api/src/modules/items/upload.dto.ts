import { ApiProperty } from '@nestjs/swagger';
import type { PresignedRequest } from '@app/storage';

/** How to send the bytes: straight to storage, as the body of this request. */
export class UploadDto {
  @ApiProperty({ enum: ['PUT'] })
  method: 'PUT';
  url: string;
  /** Send exactly these headers (they are signed): `Content-Type` and `Content-Length`. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  headers: Record<string, string>;
  expires_at: Date;
}

export const toUploadDto = (request: PresignedRequest): UploadDto => ({
  method: 'PUT',
  url: request.url,
  headers: request.headers,
  expires_at: request.expiresAt,
});
