import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { JwtService } from '@nestjs/jwt';
import type { Request, Response } from 'express';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { DASHBOARD_ROUTE, DASHBOARD_TOKEN_TTL_S, setDashboardCookie, signDashboardToken } from './dashboard-access';

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
  session(@CurrentUser() user: AuthUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): DashboardSessionDto {
    // Secure over HTTPS (behind a proxy, as TRUST_PROXY lets Express tell), as the ticket's cookie is.
    setDashboardCookie(res, signDashboardToken(this.jwt, user.id), req.secure);
    const ticket = signDashboardToken(this.jwt, user.id, 'queue-dashboard-ticket');
    return { url: `${DASHBOARD_ROUTE}?ticket=${encodeURIComponent(ticket)}`, expiresIn: DASHBOARD_TOKEN_TTL_S };
  }
}
