import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Histogram } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MicroBatcher, ShippingAddress } from '@app/db';
import { enqueueInTransaction, fulfillClaimJobId } from '@app/queue';
import { allocateClaims, ClaimDecision, ClaimRequest, StockRow, StoredClaim } from './claim-allocation';

export interface ClaimWrite extends ClaimRequest {
  shippingAddress: ShippingAddress | null;
}

const MAX_BATCH = 500;
const MAX_ATTEMPTS = 3;

const batchSize = new Histogram({
  name: 'claim_commit_batch_size',
  help: 'Claims decided per PostgreSQL transaction (group commit)',
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
});

/**
 * Writes claims with group commit: the claims that arrive while earlier transactions run
 * are decided and stored together in one transaction with set-based SQL — campaign rows
 * locked, decisions made by `allocateClaims`, claims + claimed_units + outbox rows written,
 * one commit (one fsync) for the whole batch. PostgreSQL is the final judge of every claim,
 * whatever the Redis gate said.
 */
@Injectable()
export class ClaimWriterService {
  private readonly batcher: MicroBatcher<ClaimWrite, ClaimDecision>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new MicroBatcher((items) => this.writeBatch(items), {
      maxBatch: MAX_BATCH,
      maxConcurrent: Math.min(8, Math.max(1, Math.floor(config.databasePoolSize / 2))),
    });
  }

  write(claim: ClaimWrite): Promise<ClaimDecision> {
    return this.batcher.submit(claim);
  }

  private async writeBatch(items: ClaimWrite[]): Promise<ClaimDecision[]> {
    batchSize.observe(items.length);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => this.decideAndWrite(manager, items));
      } catch (error) {
        // A concurrent writer stored one of our (member, key) pairs for another campaign
        // first: run again, the replay is then visible and decided as such.
        if (!(error instanceof BatchConflict) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async decideAndWrite(manager: EntityManager, items: ClaimWrite[]): Promise<ClaimDecision[]> {
    const campaignIds = [...new Set(items.map((i) => i.campaignId))];
    // The row locks serialize every writer of these campaigns' claimed_units and member
    // slots (claims, retries, cancels), so the counts read below stay true until commit.
    const stockRows: (StockRow & { id: string })[] = await manager.query(
      `SELECT id, total_units AS "totalUnits", claimed_units AS "claimedUnits", per_member_limit AS "perMemberLimit",
              (status = 'active' AND NOT claims_frozen AND ends_at > now() AND (starts_at IS NULL OR starts_at <= now())) AS open
       FROM campaigns WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [campaignIds],
    );
    const stored: StoredClaim[] = await manager.query(
      `SELECT c.id, c.campaign_id AS "campaignId", c.member_id AS "memberId", c.idempotency_key AS "idempotencyKey",
              c.member_slot AS "memberSlot", c.status IN ('pending', 'fulfilled') AS live, c.created_at AS "createdAt"
       FROM claims c
       JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(campaign_id, member_id, key) ON c.member_id = x.member_id
       WHERE c.idempotency_key = x.key OR (c.campaign_id = x.campaign_id AND c.status IN ('pending', 'fulfilled'))`,
      [items.map((i) => i.campaignId), items.map((i) => i.memberId), items.map((i) => i.idempotencyKey)],
    );
    const stock = new Map(stockRows.map((row) => [row.id, row]));
    const { decisions, claimedDelta } = allocateClaims(stock, stored, items);

    const accepted = items.flatMap((item, i) => {
      const decision = decisions[i];
      return decision.kind === 'accept' ? [{ item, slot: decision.slot }] : [];
    });
    if (!accepted.length) return decisions;

    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO claims (id, campaign_id, member_id, idempotency_key, shipping_address, country,
                           disclosure_accepted_at, created_at, updated_at, member_slot)
       SELECT x.id, x.campaign_id, x.member_id, x.key, x.address, p.country, x.created_at, x.created_at, x.created_at, x.slot
       FROM jsonb_to_recordset($1::jsonb)
         AS x(id uuid, campaign_id uuid, member_id uuid, key text, address jsonb, created_at timestamptz, slot smallint)
       LEFT JOIN member_profiles p ON p.member_id = x.member_id
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        JSON.stringify(
          accepted.map(({ item, slot }) => ({
            id: item.id,
            campaign_id: item.campaignId,
            member_id: item.memberId,
            key: item.idempotencyKey,
            address: item.shippingAddress,
            created_at: item.createdAt.toISOString(),
            slot,
          })),
        ),
      ],
    );
    if (inserted.length !== accepted.length) throw new BatchConflict();

    await manager.query(
      `UPDATE campaigns c SET claimed_units = c.claimed_units + x.n
       FROM unnest($1::uuid[], $2::int[]) AS x(id, n) WHERE c.id = x.id`,
      [[...claimedDelta.keys()], [...claimedDelta.values()]],
    );
    await enqueueInTransaction(
      manager,
      accepted.map(({ item }) => ({
        queue: 'fulfillment' as const,
        name: 'fulfill-claim' as const,
        data: { claimId: item.id },
        jobId: fulfillClaimJobId(item.id, 0),
      })),
    );
    return decisions;
  }
}

class BatchConflict extends Error {
  constructor() {
    super('a concurrent claim took one of this batch’s idempotency keys');
  }
}
