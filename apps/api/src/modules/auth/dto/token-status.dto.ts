export class TokenStatusDto {
  /** Always `valid`: an invalid token is answered with 401. */
  status: 'valid';
  user_id: string;
  username: string;
  /** When the token expires. */
  expires_at: Date;
}
