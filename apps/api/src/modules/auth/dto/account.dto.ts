import { IntersectionType } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { User } from '@app/db';
import { ApiInteger } from '../../../common/openapi/api-types';
import { IsPasswordLength } from './password-length.validator';
import { UserDto } from './user.dto';

/** Where the account's storage stands. */
export class StorageFiguresDto {
  /** Bytes of confirmed files, the trash included. */
  @ApiInteger()
  used_storage_in_bytes: number;
  /** What is left, after what pending uploads have reserved. */
  @ApiInteger()
  available_storage_in_bytes: number;
  /** The quota. */
  @ApiInteger()
  total_storage_in_bytes: number;
}

export function storageFigures(user: User): StorageFiguresDto {
  return {
    used_storage_in_bytes: user.usedBytes,
    available_storage_in_bytes: Math.max(0, user.quotaBytes - user.usedBytes - user.reservedBytes),
    total_storage_in_bytes: user.quotaBytes,
  };
}

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
