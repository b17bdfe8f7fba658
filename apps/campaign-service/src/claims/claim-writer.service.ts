import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Histogram } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { preparedQuery, ShippingAddress } from '@app/db';
import { enqueueInTransaction, fulfillClaimJobId, OUTBOX_CHANNEL, QUEUES } from '@app/queue';
import { ClaimAbuseService } from '../abuse/claim-abuse.service';
import { allocateClaims, ClaimDecision, ClaimRequest, StockRow, StoredClaim } from './claim-allocation';

export interface ClaimWrite extends ClaimRequest {
  shippingAddress: ShippingAddress | null;
  /** the member slot the Redis gate counted for this claim; null when the gate was bypassed */
  slotHint: number | null;
}

interface Pending {
  item: ClaimWrite;
  resolve: (decision: ClaimDecision) => void;
  reject: (error: unknown) => void;
}

interface Accepted {
  item: ClaimWrite;
  slot: number;
}

const MAX_BATCH = 500;
const MAX_ATTEMPTS = 3;

const batchSize = new Histogram({
  name: 'claim_commit_batch_size',
  help: 'Claims decided per PostgreSQL commit (group commit)',
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
});
const fallbacks = new Counter({ name: 'claim_commit_fallbacks_total', help: 'Claims re-decided under row locks after an optimistic write lost a race' });

/**
 * Writes claims with group commit. Claims that arrive while earlier batches run leave together
 * as the next batch; a campaign is never in two running batches, so batches grow with load on a
 * hot campaign and many campaigns share one batch when load is spread.
 *
 * Fast path, for claims the Redis gate admitted: ONE statement in its own transaction inserts
 * the claims (each in the member slot the gate counted), adds them to claimed_units and writes
 * their outbox rows. No read first and no row lock held while Node waits, so the hot campaign
 * row is locked for one statement and its commit. The database still decides: the CHECK on
 * claimed_units refuses an oversell (the whole statement fails), the unique (member, key) and
 * member-slot indexes skip replays and slot clashes, and the joins skip closed campaigns and
 * erased accounts. The statement locks the campaign rows as it reads them: a pause or end that
 * commits meanwhile is re-checked against, so no claim lands on a campaign after it ended (and
 * its refund counted the claimed units). Whatever the fast path did not store — every claim when
 * Redis was unavailable, and claims with a shipping address (the abuse controls' shared-address
 * check runs under the row lock) — is decided by `allocateClaims` inside a transaction that holds
 * the campaign row locks.
 */
@Injectable()
export class ClaimWriterService {
  private readonly queue: Pending[] = [];
  private readonly busyCampaigns = new Set<string>();
  private readonly maxConcurrent: number;
  private running = 0;
  private scheduled = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly abuse: ClaimAbuseService,
  ) {
    this.maxConcurrent = Math.min(8, Math.max(1, Math.floor(config.databasePoolSize / 2)));
  }

  write(claim: ClaimWrite): Promise<ClaimDecision> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item: claim, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.maxConcurrent || !this.queue.length) return;
    this.scheduled = true;
    // Let the requests of the current event-loop turn join before the batch leaves.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.running < this.maxConcurrent) {
      const batch = this.takeBatch();
      if (!batch.length) return;
      const campaigns = new Set(batch.map((p) => p.item.campaignId));
      campaigns.forEach((id) => this.busyCampaigns.add(id));
      this.running++;
      void this.execute(batch).finally(() => {
        campaigns.forEach((id) => this.busyCampaigns.delete(id));
        this.running--;
        this.schedule();
      });
    }
  }

  /** Queued claims of campaigns no running batch holds, oldest first. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    for (let i = 0; i < this.queue.length && batch.length < MAX_BATCH; ) {
      if (this.busyCampaigns.has(this.queue[i].item.campaignId)) i++;
      else batch.push(...this.queue.splice(i, 1));
    }
    return batch;
  }

  private async execute(batch: Pending[]): Promise<void> {
    batchSize.observe(batch.length);
    const items = batch.map((p) => p.item);
    let stored = new Map<string, ClaimDecision>();
    try {
      // Claims with a shipping address need the shared-address check of the locked path.
      stored = await this.writeFast(items.filter((i) => i.slotHint !== null && !i.shippingAddress));
      const rest = items.filter((i) => !stored.has(i.id));
      const lost = rest.filter((i) => i.slotHint !== null && !i.shippingAddress).length;
      if (lost) fallbacks.inc(lost);
      const decided = rest.length ? await this.writeLocked(rest) : [];
      const byId = new Map(rest.map((item, i) => [item.id, decided[i]]));
      batch.forEach((p) => p.resolve(stored.get(p.item.id) ?? (byId.get(p.item.id) as ClaimDecision)));
    } catch (error) {
      // The fast path's claims are committed whatever befell the rest: they are answered as stored.
      batch.forEach((p) => {
        const decision = stored.get(p.item.id);
        if (decision) p.resolve(decision);
        else p.reject(error);
      });
    }
  }

  /** The claims the fast path stored, by id; the others go to the locked path. */
  private async writeFast(items: ClaimWrite[]): Promise<Map<string, ClaimDecision>> {
    const stored = new Map<string, ClaimDecision>();
    if (!items.length) return stored;
    try {
      const rows = await preparedQuery<{ id: string; member_slot: number }>(this.dataSource, 'claim-fast-write', FAST_WRITE, [
        claimsJson(items.map((item) => ({ item, slot: item.slotHint as number }))),
        OUTBOX_CHANNEL,
      ]);
      for (const row of rows) stored.set(row.id, { kind: 'accept', slot: row.member_slot });
    } catch (error) {
      // 23514: the gate counted too few (oversell refused); 40P01: lock order across instances.
      if (!['23514', '40P01'].includes((error as { code?: string }).code ?? '')) throw error;
    }
    return stored;
  }

  private async writeLocked(items: ClaimWrite[]): Promise<ClaimDecision[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => this.decideLocked(manager, items));
      } catch (error) {
        // A concurrent writer stored one of these (member, key) pairs first: run again, the
        // replay is then visible and decided as such.
        if ((error as { code?: string }).code !== '23505' || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async decideLocked(manager: EntityManager, items: ClaimWrite[]): Promise<ClaimDecision[]> {
    // The row locks serialize every writer of these campaigns' claimed_units and member
    // slots (claims, retries, cancels), so the counts read next stay true until commit.
    const stockRows = await this.lockStock(manager, items);
    const stored = await this.readStored(manager, items);
    // Share-locked: an erasure in flight is waited for (and refuses these claims), one that comes
    // later waits for this commit and then erases the shipping addresses stored here.
    const members: { id: string; erased: boolean }[] = await manager.query(
      `SELECT id, erased_at IS NOT NULL AS erased FROM users WHERE id = ANY($1::uuid[]) FOR SHARE`,
      [[...new Set(items.map((i) => i.memberId))]],
    );
    const { decisions, claimedDelta } = allocateClaims(
      new Map(stockRows.map((r) => [r.id, r])),
      stored,
      items,
      new Set(members.filter((m) => m.erased).map((m) => m.id)),
    );
    const accepted = acceptedOf(items, decisions);
    if (!accepted.length) return decisions;
    await manager.query(
      `INSERT INTO claims (id, campaign_id, member_id, idempotency_key, shipping_address, country,
                           disclosure_accepted_at, created_at, updated_at, member_slot)
       SELECT x.id, x.campaign_id, x.member_id, x.key, x.address, p.country, x.created_at, x.created_at, x.created_at, x.slot
       FROM jsonb_to_recordset($1::jsonb) AS x(${CLAIM_RECORD}) LEFT JOIN member_profiles p ON p.member_id = x.member_id`,
      [claimsJson(accepted)],
    );
    await manager.query(
      `UPDATE campaigns c SET claimed_units = c.claimed_units + x.n FROM unnest($1::uuid[], $2::int[]) AS x(id, n) WHERE c.id = x.id`,
      [[...claimedDelta.keys()], [...claimedDelta.values()]],
    );
    // Claims held for review (an address another account used here) wait for an admin's release.
    const held = await this.abuse.recordAccepted(
      manager,
      accepted.map(({ item }) => ({ claimId: item.id, campaignId: item.campaignId, memberId: item.memberId, shippingAddress: item.shippingAddress })),
    );
    await enqueueInTransaction(
      manager,
      accepted.filter(({ item }) => !held.has(item.id)).map(({ item }) => ({
        queue: 'fulfillment' as const,
        name: 'fulfill-claim' as const,
        data: { claimId: item.id },
        jobId: fulfillClaimJobId(item.id, 0),
      })),
    );
    return decisions;
  }

  private lockStock(manager: EntityManager, items: ClaimWrite[]): Promise<StockRow[]> {
    return manager.query(
      `SELECT id, total_units AS "totalUnits", claimed_units AS "claimedUnits", per_member_limit AS "perMemberLimit",
              (status = 'active' AND NOT claims_frozen AND ends_at > now() AND (starts_at IS NULL OR starts_at <= now())) AS open
       FROM campaigns WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [[...new Set(items.map((i) => i.campaignId))]],
    );
  }

  private readStored(manager: EntityManager, items: ClaimWrite[]): Promise<StoredClaim[]> {
    return manager.query(
      `SELECT c.id, c.campaign_id AS "campaignId", c.member_id AS "memberId", c.idempotency_key AS "idempotencyKey",
              c.member_slot AS "memberSlot", c.status IN ('pending', 'fulfilled') AS live, c.created_at AS "createdAt"
       FROM claims c
       JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(campaign_id, member_id, key) ON c.member_id = x.member_id
       WHERE c.idempotency_key = x.key OR (c.campaign_id = x.campaign_id AND c.status IN ('pending', 'fulfilled'))`,
      [items.map((i) => i.campaignId), items.map((i) => i.memberId), items.map((i) => i.idempotencyKey)],
    );
  }
}

const CLAIM_RECORD = 'id uuid, campaign_id uuid, member_id uuid, key text, address jsonb, created_at timestamptz, slot smallint';

/** The fast path's one statement (see ClaimWriterService); outbox rows as enqueueInTransaction writes them. */
const FAST_WRITE = `
  WITH inserted AS (
    INSERT INTO claims (id, campaign_id, member_id, idempotency_key, shipping_address, country,
                        disclosure_accepted_at, created_at, updated_at, member_slot)
    SELECT x.id, x.campaign_id, x.member_id, x.key, x.address, p.country, x.created_at, x.created_at, x.created_at, x.slot
    FROM jsonb_to_recordset($1::jsonb) AS x(${CLAIM_RECORD})
    JOIN campaigns c ON c.id = x.campaign_id AND x.slot <= c.per_member_limit
      AND c.status = 'active' AND NOT c.claims_frozen AND c.ends_at > now() AND (c.starts_at IS NULL OR c.starts_at <= now())
    JOIN users u ON u.id = x.member_id AND u.erased_at IS NULL
    LEFT JOIN member_profiles p ON p.member_id = x.member_id
    FOR NO KEY UPDATE OF c
    ON CONFLICT DO NOTHING
    RETURNING id, campaign_id, member_slot
  ), moved AS (
    UPDATE campaigns c SET claimed_units = c.claimed_units + n.n
    FROM (SELECT campaign_id, count(*)::int AS n FROM inserted GROUP BY campaign_id) n
    WHERE c.id = n.campaign_id
    RETURNING c.id
  ), queued AS (
    INSERT INTO outbox (queue, job_name, job_id, payload)
    SELECT '${QUEUES.fulfillment.name}', 'fulfill-claim', 'claim.' || id, jsonb_build_object('claimId', id) FROM inserted
    RETURNING 1
  )
  SELECT i.id, i.member_slot FROM inserted i
  CROSS JOIN (SELECT count(*) FROM moved) m
  CROSS JOIN (SELECT pg_notify($2, '') FROM (SELECT count(*) FROM queued) q) n`;

function acceptedOf(items: ClaimWrite[], decisions: ClaimDecision[]): Accepted[] {
  return items.flatMap((item, i) => {
    const decision = decisions[i];
    return decision.kind === 'accept' ? [{ item, slot: decision.slot }] : [];
  });
}

function claimsJson(accepted: Accepted[]): string {
  return JSON.stringify(
    accepted.map(({ item, slot }) => ({
      id: item.id,
      campaign_id: item.campaignId,
      member_id: item.memberId,
      key: item.idempotencyKey,
      address: item.shippingAddress,
      created_at: item.createdAt.toISOString(),
      slot,
    })),
  );
}
