import { IsBoolean, IsOptional } from 'class-validator';

export class LogoutDto {
  /**
   * Ends every session of the account, on every device, rather than only the one whose token this request carries
   * (default false).
   */
  @IsOptional()
  @IsBoolean()
  everywhere?: boolean;
}
