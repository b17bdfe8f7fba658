import { Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { JwtService } from '@nestjs/jwt';
import type { Response } from 'express';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { DASHBOARD_COOKIE, DASHBOARD_ROUTE, DASHBOARD_TOKEN_TTL_S, signDashboardToken } from './dashboard-access';

export class DashboardSessionDto {
  @ApiProperty({ example: '/admin/queues?ticket=…', description: 'open in a browser: sets the session cookie and shows the dashboard' })
  url: string;
  @ApiProperty({ description: 'seconds the session lasts' }) expiresIn: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/queue-dashboard')
export class QueueDashboardController {
  constructor(private readonly jwt: JwtService) {}

  /** A browser session for the bull-board dashboard at /admin/queues (cookie, and a link with a ticket). */
  @Post('session')
  @HttpCode(200)
  @ApiOkResponse({ type: DashboardSessionDto })
  session(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) res: Response): DashboardSessionDto {
    const token = signDashboardToken(this.jwt, user.id);
    res.cookie(DASHBOARD_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: DASHBOARD_ROUTE, maxAge: DASHBOARD_TOKEN_TTL_S * 1000 });
    return { url: `${DASHBOARD_ROUTE}?ticket=${encodeURIComponent(token)}`, expiresIn: DASHBOARD_TOKEN_TTL_S };
  }
}
