import { ApiUuid } from '../../../common/openapi/api-types';

export class TokenStatusDto {
  /** Always `valid`: an invalid token is answered with 401. */
  status: 'valid';
  @ApiUuid()
  user_id: string;
  username: string;
  /** When the token expires. */
  expires_at: Date;
}
