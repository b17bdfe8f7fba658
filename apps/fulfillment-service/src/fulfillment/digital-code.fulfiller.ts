import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MicroBatcher } from '@app/db';
import { CodePoolEmptyError, FulfillmentOutcome } from './fulfillment-outcome';

type CodeResult = FulfillmentOutcome | 'pool_empty' | 'pool_busy';

interface Target {
  claimId: string;
  round: number;
}

/**
 * Assigns codes from the campaign's pool. The jobs running at the same time are served by one
 * transaction (group commit): claims locked in id order, free codes taken with
 * FOR UPDATE SKIP LOCKED (concurrent batches never wait for each other's codes) and paired
 * with claims in one UPDATE; `campaign_codes.claim_id` is unique, so a code is never given twice.
 */
@Injectable()
export class DigitalCodeFulfiller {
  private readonly batcher: MicroBatcher<Target, CodeResult>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new MicroBatcher((targets) => this.dataSource.transaction((m) => this.assign(m, targets)), {
      maxBatch: 500,
      maxConcurrent: Math.max(1, Math.floor(config.databasePoolSize / 2)),
    });
  }

  async fulfil(claimId: string, round: number): Promise<FulfillmentOutcome> {
    const result = await this.batcher.submit({ claimId, round });
    if (result === 'pool_busy') throw new Error('every free code is being assigned by another worker; retrying');
    if (result === 'pool_empty') throw new CodePoolEmptyError();
    return result;
  }

  private async assign(manager: EntityManager, targets: Target[]): Promise<CodeResult[]> {
    const ids = targets.map((t) => t.claimId);
    // Locks the claims so a duplicate run of the same job (a stalled job taken over) waits and then sees it done.
    const claims: { id: string; campaign_id: string; status: string; fulfillment_round: number }[] = await manager.query(
      `SELECT id, campaign_id, status, fulfillment_round FROM claims WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    const round = new Map(targets.map((t) => [t.claimId, t.round]));
    const todo = claims.filter((c) => c.status === 'pending' && c.fulfillment_round === round.get(c.id));
    const result = new Map<string, CodeResult>();
    const byCampaign = new Map<string, string[]>();
    for (const claim of todo) byCampaign.set(claim.campaign_id, [...(byCampaign.get(claim.campaign_id) ?? []), claim.id]);

    const assigned: { claim_id: string; code: string }[] = [];
    for (const [campaignId, claimIds] of byCampaign) {
      const rows: { claim_id: string; code: string }[] = await manager.query(
        `WITH free AS (
           SELECT id, row_number() OVER (ORDER BY id) AS rn FROM (
             SELECT id FROM campaign_codes WHERE campaign_id = $1 AND claim_id IS NULL
             ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) f),
         wanted AS (SELECT claim_id, rn FROM unnest($3::uuid[]) WITH ORDINALITY AS w(claim_id, rn)),
         taken AS (
           UPDATE campaign_codes k SET claim_id = wanted.claim_id, assigned_at = now()
           FROM free JOIN wanted USING (rn) WHERE k.id = free.id
           RETURNING k.claim_id, k.code)
         SELECT claim_id, code FROM taken`,
        [campaignId, claimIds.length, claimIds],
      );
      assigned.push(...rows);
      if (rows.length < claimIds.length) {
        const [{ free }]: { free: number }[] = await manager.query(
          `SELECT count(*)::int AS free FROM campaign_codes WHERE campaign_id = $1 AND claim_id IS NULL`,
          [campaignId],
        );
        const got = new Set(rows.map((r) => r.claim_id));
        const missing = claimIds.filter((id) => !got.has(id));
        // Free codes still exist but other transactions hold them: theirs may yet roll back.
        for (const id of missing) result.set(id, free > 0 ? 'pool_busy' : 'pool_empty');
      }
    }
    if (assigned.length) {
      await manager.query(
        `UPDATE claims c SET status = 'fulfilled', fulfillment = c.fulfillment || jsonb_build_object('code', x.code),
                             fulfilled_at = now(), updated_at = now()
         FROM unnest($1::uuid[], $2::text[]) AS x(id, code) WHERE c.id = x.id`,
        [assigned.map((a) => a.claim_id), assigned.map((a) => a.code)],
      );
      for (const a of assigned) result.set(a.claim_id, 'fulfilled');
    }
    return targets.map((t) => result.get(t.claimId) ?? 'skipped');
  }
}
