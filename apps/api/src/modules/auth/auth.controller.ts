import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { Public } from '../../common/auth/public.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { AuthService } from './auth.service';
import { CreateUserDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
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
}
