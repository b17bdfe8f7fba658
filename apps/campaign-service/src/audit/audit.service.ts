import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogEntry, Page, pageCursor, toPage } from '@app/db';
import { AuditLogEntryDto, AuditLogQueryDto } from './dto/audit.dto';

/**
 * Reads the append-only audit log of admin and money actions. Each action writes its row with
 * `recordAudit` (@app/platform) in its own transaction, so the two commit or roll back together.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: AuditLogQueryDto): Promise<Page<AuditLogEntryDto>> {
    const limit = query.limit;
    const qb = this.dataSource
      .getRepository(AuditLogEntry)
      .createQueryBuilder('a')
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (query.entityType) qb.andWhere('a.entity_type = :entityType', { entityType: query.entityType });
    if (query.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: query.entityId });
    if (query.actorId) qb.andWhere('a.actor_id = :actorId', { actorId: query.actorId });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    const cursor = pageCursor(query.cursor);
    if (cursor) {
      qb.andWhere('(a.created_at, a.id) < (:at::timestamptz, :id::uuid)', { at: cursor.at, id: cursor.id });
    }
    const rows = await qb.getMany();
    return toPage(rows, limit, (r) => ({ at: r.createdAt.toISOString(), id: r.id }), toDto);
  }
}

function toDto(row: AuditLogEntry): AuditLogEntryDto {
  return {
    id: row.id,
    actorId: row.actorId,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    before: row.before,
    after: row.after,
    createdAt: row.createdAt.toISOString(),
  };
}
