import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { PageQueryDto } from '@app/platform';
import { NotificationDto, NotificationPageDto, ReadAllDto } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

/** A member's offers and claim news; an admin's alerts (payment disputes). */
@ApiTags('notifications')
@ApiBearerAuth()
@Roles(Role.Member, Role.Admin)
@Controller('me/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOkResponse({ type: NotificationPageDto })
  list(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(user.id, query.limit, query.cursor);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOkResponse({ type: ReadAllDto })
  async readAll(@CurrentUser() user: AuthUser): Promise<ReadAllDto> {
    return { updated: await this.notifications.markAllRead(user.id) };
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOkResponse({ type: NotificationDto })
  read(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<NotificationDto> {
    return this.notifications.markRead(user.id, id);
  }
}
