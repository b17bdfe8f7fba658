import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthUser } from '@app/auth';
import { cursorInstantSql, Page, pageCursor, toPage } from '@app/db';
import { ClaimStatus, DomainError, Role, UUID } from '@app/domain';
import { AdminClaimDto, ClaimDto } from './dto/claim.dto';
import { CLAIM_COLUMNS, ClaimRow, toAdminClaimDto, toClaimDto } from './claim-views';

/** Claim reads: a member sees only their own claims, admins every claim. */
@Injectable()
export class ClaimQueriesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async mine(user: AuthUser, limit: number, cursor?: string): Promise<Page<ClaimDto>> {
    return this.page({ memberId: user.id }, limit, cursor, toClaimDto);
  }

  async one(user: AuthUser, id: string): Promise<ClaimDto> {
    const row = await this.find(id);
    if (!row || (user.role !== Role.Admin && row.member_id !== user.id)) throw DomainError.notFound('Claim');
    return toClaimDto(row);
  }

  async forAdmin(filter: { status?: ClaimStatus; campaignId?: string }, limit: number, cursor?: string): Promise<Page<AdminClaimDto>> {
    return this.page(filter, limit, cursor, toAdminClaimDto);
  }

  /** `manager`: read inside a transaction, e.g. the admin action's own answer before it commits. */
  async adminOne(id: string, manager: EntityManager = this.dataSource.manager): Promise<AdminClaimDto> {
    const row = await this.find(id, manager);
    if (!row) throw DomainError.notFound('Claim');
    return toAdminClaimDto(row);
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<ClaimRow | null> {
    if (!UUID.test(id)) return null;
    const [row]: ClaimRow[] = await manager.query(
      `SELECT ${CLAIM_COLUMNS} FROM claims c JOIN campaigns k ON k.id = c.campaign_id WHERE c.id = $1`,
      [id],
    );
    return row ?? null;
  }

  private async page<T>(
    filter: { memberId?: string; status?: ClaimStatus; campaignId?: string },
    limit: number,
    rawCursor: string | undefined,
    map: (row: ClaimRow) => T,
  ): Promise<Page<T>> {
    const cursor = pageCursor(rawCursor);
    // The cursor carries microseconds: claims committed in one batch share a timestamp finer
    // than a JavaScript Date, and a millisecond cursor would skip them on the next page.
    const rows: (ClaimRow & { cursor_at: string })[] = await this.dataSource.query(
      `SELECT ${CLAIM_COLUMNS}, ${cursorInstantSql('c.created_at')} AS cursor_at
       FROM claims c JOIN campaigns k ON k.id = c.campaign_id
       WHERE ($1::uuid IS NULL OR c.member_id = $1) AND ($2::text IS NULL OR c.status = $2)
         AND ($3::uuid IS NULL OR c.campaign_id = $3)
         AND ($4::timestamptz IS NULL OR (c.created_at, c.id) < ($4, $5::uuid))
       ORDER BY c.created_at DESC, c.id DESC LIMIT $6`,
      [filter.memberId ?? null, filter.status ?? null, filter.campaignId ?? null, cursor?.at ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, (row) => ({ at: row.cursor_at, id: row.id }), map);
  }
}
