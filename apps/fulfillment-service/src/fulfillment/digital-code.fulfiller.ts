import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MicroBatcher, preparedQuery } from '@app/db';
import { PerkKind } from '@app/domain';

/** What the batch found for one claim: done here (digital), or the kind to hand it to. */
export type CodeStep =
  | { step: 'fulfilled' | 'skipped' | 'pool_empty' | 'pool_busy' }
  | { step: 'other_kind'; kind: PerkKind };

interface Target {
  claimId: string;
  round: number;
}

interface Row {
  id: string;
  perk_kind: PerkKind | null;
  code: string | null;
  free_left: number | null;
}

/**
 * Assigns codes from the campaign's pool for all the jobs running at the same time, in ONE
 * statement (group commit): pending digital claims of this round are paired with free codes
 * taken FOR UPDATE SKIP LOCKED (concurrent batches never wait for each other's codes), the codes
 * get their claim and the claims their code. `campaign_codes.claim_id` is unique, so a code is
 * never given twice and a claim never gets two (a duplicate run fails and finds it done on retry).
 * The same read tells the processor the kind of the other claims, so every job costs one query.
 * The claims are locked (in id order) as they are read: an admin cancel or a failure in flight
 * is waited for and its claim left out, so no code goes to a claim whose unit went back to stock
 * (the pool would then be one code short of the units).
 */
const ASSIGN = `
  WITH pending AS (
    SELECT c.id, c.campaign_id
    FROM claims c JOIN unnest($1::uuid[], $2::int[]) AS t(id, round) ON c.id = t.id AND c.fulfillment_round = t.round
    WHERE c.status = 'pending'
    ORDER BY c.id
    FOR NO KEY UPDATE OF c
  ), input AS (
    SELECT t.id, p.campaign_id, k.perk_kind
    FROM unnest($1::uuid[]) AS t(id)
    LEFT JOIN pending p ON p.id = t.id
    LEFT JOIN campaigns k ON k.id = p.campaign_id
  ), wanted AS (
    SELECT id, campaign_id, row_number() OVER (PARTITION BY campaign_id ORDER BY id) AS rn
    FROM input WHERE perk_kind = 'digital_code'
  ), per_campaign AS (
    SELECT campaign_id, count(*)::int AS n FROM wanted GROUP BY campaign_id
  ), free AS (
    SELECT f.id, f.code, p.campaign_id, row_number() OVER (PARTITION BY p.campaign_id ORDER BY f.id) AS rn
    FROM per_campaign p
    CROSS JOIN LATERAL (
      SELECT id, code FROM campaign_codes
      WHERE campaign_id = p.campaign_id AND claim_id IS NULL
      ORDER BY id LIMIT p.n FOR UPDATE SKIP LOCKED
    ) f
  ), assigned AS (
    UPDATE campaign_codes k SET claim_id = w.id, assigned_at = now()
    FROM free JOIN wanted w ON w.campaign_id = free.campaign_id AND w.rn = free.rn
    WHERE k.id = free.id
    RETURNING k.claim_id, k.code, k.campaign_id
  ), fulfilled AS (
    UPDATE claims c SET status = 'fulfilled', fulfillment = c.fulfillment || jsonb_build_object('code', a.code),
                        fulfilled_at = now(), updated_at = now()
    FROM assigned a WHERE c.id = a.claim_id AND c.status = 'pending'
    RETURNING c.id
  )
  SELECT i.id, i.perk_kind, a.code,
         CASE WHEN i.perk_kind = 'digital_code' AND a.code IS NULL THEN
           (SELECT count(*)::int FROM campaign_codes x WHERE x.campaign_id = i.campaign_id AND x.claim_id IS NULL)
           - (SELECT count(*)::int FROM assigned y WHERE y.campaign_id = i.campaign_id)
         END AS free_left
  FROM input i
  LEFT JOIN assigned a ON a.claim_id = i.id
  CROSS JOIN (SELECT count(*) FROM fulfilled) f`;

@Injectable()
export class DigitalCodeFulfiller {
  private readonly batcher: MicroBatcher<Target, CodeStep>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new MicroBatcher((targets) => this.assign(targets), {
      maxBatch: 500,
      // Few, large batches: concurrent ones would mostly skip each other's locked codes.
      maxConcurrent: Math.min(2, config.databasePoolSize),
      // No linger: the jobs completed by one batch come back together (BullMQ hands each
      // completing job its successor), and those arriving while both batches run wait and
      // leave together as the next one. A wait here only lengthens every job's cycle, and
      // with a fixed number of jobs in flight that cycle is the throughput.
    });
  }

  /** Fulfils a pending digital claim of this round; tells the kind of any other pending claim. */
  step(claimId: string, round: number): Promise<CodeStep> {
    return this.batcher.submit({ claimId, round });
  }

  private async assign(targets: Target[]): Promise<CodeStep[]> {
    const rows = await preparedQuery<Row>(this.dataSource, 'assign-digital-codes', ASSIGN, [targets.map((t) => t.claimId), targets.map((t) => t.round)]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return targets.map((t): CodeStep => {
      const row = byId.get(t.claimId);
      if (!row?.perk_kind) return { step: 'skipped' };
      if (row.perk_kind !== PerkKind.DigitalCode) return { step: 'other_kind', kind: row.perk_kind };
      if (row.code) return { step: 'fulfilled' };
      // Free codes exist but other batches hold them: theirs may yet roll back.
      return { step: (row.free_left ?? 0) > 0 ? 'pool_busy' : 'pool_empty' };
    });
  }
}
