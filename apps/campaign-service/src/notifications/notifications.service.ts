import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { cursorInstantSql, pageCursor, toPage } from '@app/db';
import { DomainError, UUID } from '@app/domain';
import { NotificationDto, NotificationPageDto } from './dto/notification.dto';

interface NotificationRow {
  id: string;
  kind: string;
  title: string;
  data: Record<string, unknown>;
  read_at: Date | null;
  created_at: Date;
  cursor_at: string;
}

const COLUMNS = `id, kind, title, data, read_at, created_at,
  ${cursorInstantSql('created_at')} AS cursor_at`;

/**
 * An offer's notification is shown while the offer stands: one withdrawn since (the member opted
 * out, moved, or fell under the minimum age) would lead to a perk they can no longer see, and it
 * shows again if the member is offered the perk again.
 */
const SHOWN = `(kind <> 'offer' OR campaign_id IS NULL
  OR EXISTS (SELECT 1 FROM offers o WHERE o.member_id = notifications.member_id AND o.campaign_id = notifications.campaign_id))`;

const toDto = (row: NotificationRow): NotificationDto => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  data: row.data,
  readAt: row.read_at ? row.read_at.toISOString() : null,
  createdAt: row.created_at.toISOString(),
});

/** A member's in-app notifications, newest first; only the member ever sees or marks them. */
@Injectable()
export class NotificationsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(memberId: string, limit: number, rawCursor: string | undefined): Promise<NotificationPageDto> {
    const cursor = pageCursor(rawCursor);
    const [rows, [{ unread }]]: [NotificationRow[], { unread: number }[]] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM notifications
         WHERE member_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid)) AND ${SHOWN}
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [memberId, cursor?.at ?? null, cursor?.id ?? null, limit + 1],
      ),
      this.dataSource.query(`SELECT count(*)::int AS unread FROM notifications WHERE member_id = $1 AND read_at IS NULL AND ${SHOWN}`, [memberId]),
    ]);
    return { ...toPage(rows, limit, (row) => ({ at: row.cursor_at, id: row.id }), toDto), unread };
  }

  async markRead(memberId: string, id: string): Promise<NotificationDto> {
    if (!UUID.test(id)) throw DomainError.notFound('Notification');
    const [row]: NotificationRow[] = await this.dataSource.query(
      `WITH marked AS (
         UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND member_id = $2 RETURNING *
       )
       SELECT ${COLUMNS} FROM marked`,
      [id, memberId],
    );
    if (!row) throw DomainError.notFound('Notification');
    return toDto(row);
  }

  async markAllRead(memberId: string): Promise<number> {
    const [{ updated }]: { updated: number }[] = await this.dataSource.query(
      `WITH updated AS (UPDATE notifications SET read_at = now() WHERE member_id = $1 AND read_at IS NULL RETURNING 1)
       SELECT count(*)::int AS updated FROM updated`,
      [memberId],
    );
    return updated;
  }
}
