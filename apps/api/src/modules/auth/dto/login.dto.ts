import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/**
 * The OAuth2 password grant, as a form (`application/x-www-form-urlencoded`) or as JSON.
 * `grant_type`, `scope`, `client_id` and `client_secret` are accepted, as OAuth2 clients send them.
 */
export class LoginDto {
  /** The username or the e-mail address. */
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  username: string;

  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  /** When present, `password`. */
  @IsOptional()
  @IsIn(['password'])
  grant_type?: string;

  /** Ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

  /** Ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  client_id?: string;

  /** Ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  client_secret?: string;
}
