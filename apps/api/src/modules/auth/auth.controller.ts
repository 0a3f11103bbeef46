import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { Public } from '../../common/auth/public.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { OptionalBody } from '../../common/validation/optional-body';
import { AuthService } from './auth.service';
import { AccountDto, ChangePasswordDto, DeleteAccountDto } from './dto/account.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
import { LogoutDto } from './dto/logout.dto';
import { TokenStatusDto } from './dto/token-status.dto';
import { TokenDto } from './dto/token.dto';
import { UserDto } from './dto/user.dto';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Registers a new account. */
  @Public()
  @Post('user')
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems('validation_failed', 'credentials_in_use', 'too_many_requests')
  createUser(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.auth.createUser(dto);
  }

  /**
   * Exchanges a username (or e-mail address) and password for a bearer token: the OAuth2 password grant,
   * as a form or as JSON. An unknown user and a wrong password get the same answer.
   */
  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiProblems('validation_failed', 'invalid_credentials', 'too_many_requests')
  login(@Body() dto: LoginDto): Promise<TokenDto> {
    return this.auth.login(dto);
  }

  /** Tells whether the bearer token is valid, whose it is and when it expires. */
  @Get('verify-token')
  @ApiBearerAuth('bearer')
  @ApiOkResponse({ type: TokenStatusDto })
  @ApiProblems('unauthorized')
  verifyToken(@CurrentUser() user: AuthenticatedUser): TokenStatusDto {
    return this.auth.verifyToken(user);
  }

  /**
   * Logs out of this session: the token this request carries stops working at once; the account's other tokens
   * (other devices, other tabs) keep working. With `{"everywhere": true}` every token of the account stops
   * working, this one included. The body may be left out. Log in again for a new token.
   */
  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiBody({ type: LogoutDto, required: false })
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed')
  logout(@CurrentUser() user: AuthenticatedUser, @OptionalBody() dto: LogoutDto): Promise<void> {
    return this.auth.logout(user, dto.everywhere ?? false);
  }
}

/** The signed-in user's own account. */
@ApiTags('account')
@ApiBearerAuth('bearer')
@Controller('user')
export class AccountController {
  constructor(private readonly auth: AuthService) {}

  /** The account: who it is, and its storage used and left against its quota. */
  @Get()
  @ApiOkResponse({ type: AccountDto })
  @ApiProblems('unauthorized')
  getAccount(@CurrentUser() user: AuthenticatedUser): Promise<AccountDto> {
    return this.auth.account(user);
  }

  /**
   * Changes the password, given the current one. Every token issued before stops working (other devices are
   * logged out, and so is the token this request carried); the answer is a new token to use from now on.
   */
  @Put('password')
  @ApiOkResponse({ type: TokenDto })
  @ApiProblems('unauthorized', 'validation_failed', 'wrong_password')
  changePassword(@CurrentUser() user: AuthenticatedUser, @Body() dto: ChangePasswordDto): Promise<TokenDto> {
    return this.auth.changePassword(user, dto);
  }

  /**
   * Deletes the account for good, given its password: its files, folders and trash, the shares it made and those
   * made to it, its profile photo and every object of its in storage; its tokens stop working at once, and its
   * username and e-mail address are free again. What it shared disappears from its recipients' views.
   */
  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'wrong_password')
  deleteAccount(@CurrentUser() user: AuthenticatedUser, @Body() dto: DeleteAccountDto): Promise<void> {
    return this.auth.deleteAccount(user, dto);
  }
}
