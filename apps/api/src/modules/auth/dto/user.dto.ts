import { ApiUuid } from '../../../common/openapi/api-types';

export class UserDto {
  /** The user's id. */
  @ApiUuid()
  id: string;
  username: string;
  /** Lower-cased. */
  email: string;
  created_at: Date;
}
