import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public } from '@app/auth';
import { DomainError, ErrorCode } from '@app/domain';
import { RouteRateLimiter } from '@app/platform';
import { AuthService } from './auth.service';
import {
  ChangePasswordDto,
  LoginDto,
  MeDto,
  RefreshTokenDto,
  RegisterBrandDto,
  RegisteredBrandDto,
  RegisteredMemberDto,
  RegisterMemberDto,
  SessionTokensDto,
} from './dto/auth.dto';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    private readonly limiter: RouteRateLimiter,
  ) {}

  @Public()
  @Post('auth/register')
  @ApiCreatedResponse({ type: RegisteredMemberDto })
  @ApiConflictResponse({ description: 'EMAIL_TAKEN' })
  register(@Body() dto: RegisterMemberDto): Promise<RegisteredMemberDto> {
    return this.auth.registerMember(dto);
  }

  @Public()
  @Post('brands/register')
  @ApiCreatedResponse({ type: RegisteredBrandDto })
  @ApiConflictResponse({ description: 'EMAIL_TAKEN' })
  registerBrand(@Body() dto: RegisterBrandDto): Promise<RegisteredBrandDto> {
    return this.auth.registerBrand(dto);
  }

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionTokensDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS' })
  async login(@Body() dto: LoginDto, @Ip() ip: string): Promise<SessionTokensDto> {
    try {
      const tokens = await this.auth.login(dto);
      await this.limiter.forgiveLogin(dto.email, ip);
      return tokens;
    } catch (error) {
      // Only a wrong password counts: an attempt the service could not decide (its database away) is given back.
      if (!(error instanceof DomainError && error.code === ErrorCode.InvalidCredentials)) await this.limiter.forgiveLogin(dto.email, ip);
      throw error;
    }
  }

  @Public()
  @Post('auth/refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionTokensDto, description: 'a new pair; the presented refresh token is revoked' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: the refresh token is invalid, expired or revoked (presenting one already rotated revokes its whole session)' })
  refresh(@Body() dto: RefreshTokenDto): Promise<SessionTokensDto> {
    return this.sessions.refresh(dto.refreshToken);
  }

  /** Public so that a client whose access token already expired can still end its session. */
  @Public()
  @Post('auth/logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the session of this refresh token is ended' })
  logout(@Body() dto: RefreshTokenDto): Promise<void> {
    return this.sessions.logout(dto.refreshToken);
  }

  @ApiBearerAuth()
  @Post('auth/password')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'password changed; every session of the account is ended' })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS: the current password is wrong; UNAUTHORIZED: no or an invalid bearer token' })
  changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(user.id, dto);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.auth.me(user.id);
  }
}
