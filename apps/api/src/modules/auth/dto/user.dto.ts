export class UserDto {
  /** The user's id (UUID). */
  id: string;
  username: string;
  /** Lower-cased. */
  email: string;
  created_at: Date;
}
