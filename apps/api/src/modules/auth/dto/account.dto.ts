import { IntersectionType } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { StorageFiguresDto } from '../../items';
import { IsPasswordLength } from './password-length.validator';
import { UserDto } from './user.dto';

/** The signed-in account, with its storage figures. */
export class AccountDto extends IntersectionType(UserDto, StorageFiguresDto) {}

export class ChangePasswordDto {
  /** The password in use now. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  current_password: string;

  /** 8 to 72 bytes in UTF-8. */
  @IsString()
  @IsPasswordLength()
  new_password: string;
}

export class DeleteAccountDto {
  /** The account's password, to confirm. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}
