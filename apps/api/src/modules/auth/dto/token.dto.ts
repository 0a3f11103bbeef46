import { ApiInteger } from '../../../common/openapi/api-types';

export class TokenDto {
  /** A JWT to send as `Authorization: Bearer <token>`. */
  access_token: string;
  /** Always `bearer`. */
  token_type: 'bearer';
  /** Seconds until the token expires. */
  @ApiInteger()
  expires_in: number;
}
