import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public } from '@app/auth';
import { AuthService } from './auth.service';
import { AccessTokenDto, LoginDto, MeDto, RegisterBrandDto, RegisteredBrandDto, RegisteredMemberDto, RegisterMemberDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('auth/register')
  @ApiCreatedResponse({ type: RegisteredMemberDto })
  register(@Body() dto: RegisterMemberDto): Promise<RegisteredMemberDto> {
    return this.auth.registerMember(dto);
  }

  @Public()
  @Post('brands/register')
  @ApiCreatedResponse({ type: RegisteredBrandDto })
  registerBrand(@Body() dto: RegisterBrandDto): Promise<RegisteredBrandDto> {
    return this.auth.registerBrand(dto);
  }

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @ApiOkResponse({ type: AccessTokenDto })
  login(@Body() dto: LoginDto): Promise<AccessTokenDto> {
    return this.auth.login(dto);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.auth.me(user.id);
  }
}
