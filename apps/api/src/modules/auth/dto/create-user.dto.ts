import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { IsVisibleText } from '../../../common/validation/visible-text';
import { IsPasswordLength } from './password-length.validator';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateUserDto {
  /** 3 to 32 letters, digits, `_`, `.` or `-` (ASCII: nothing invisible, nothing that looks like another); unique regardless of case. */
  @Transform(trimmed)
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,32}$/, { message: 'must be 3 to 32 letters, digits, _, . or -' })
  username: string;

  /**
   * A valid address of up to 254 characters, without invisible or direction-changing characters (others see
   * it: it names the owner of what is shared with them); unique regardless of case, and stored lower-cased.
   */
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'must be a valid e-mail address' })
  @IsVisibleText()
  email: string;

  /** 8 to 72 bytes in UTF-8 (bcrypt reads no further). */
  @IsString()
  @IsPasswordLength()
  password: string;
}
