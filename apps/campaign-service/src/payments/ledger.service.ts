import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { cursorInstantSql, KeysetCursor, Page, toPage } from '@app/db';
import { LedgerEntryDto } from './dto/ledger.dto';

export interface LedgerTotals {
  /** what the brand paid: charge + fee entries */
  fundedCents: number;
  /** what went back to the brand: refund + fee_refund entries, and disputes closed as lost (the chargeback took it back) */
  refundedCents: number;
}

interface LedgerRow {
  id: string;
  funding_id: string | null;
  kind: LedgerEntryDto['kind'];
  amount_cents: string;
  currency: string;
  stripe_object_id: string;
  stripe_event_id: string | null;
  description: string;
  created_at: Date;
  /** microsecond timestamp: a millisecond Date would make the keyset cursor repeat rows */
  cursor_at: string;
}

/** Reads the append-only ledger; every figure about money comes from here. */
@Injectable()
export class LedgerService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Money in and out of the campaign. `all`: every payment, stale ones included (refunded in full,
   * funding nothing). `funding`: the payment that funds the campaign (its `paid` funding; there is
   * at most one) and its refunds, as the campaign's stats report them.
   */
  async totals(campaignId: string, scope: 'all' | 'funding' = 'all'): Promise<LedgerTotals> {
    const [row] = await this.dataSource.query(
      `SELECT coalesce(sum(e.amount_cents) FILTER (WHERE e.kind IN ('charge', 'fee')), 0) AS funded,
              coalesce(-sum(e.amount_cents) FILTER (WHERE e.kind IN ('refund', 'fee_refund') OR (e.kind = 'dispute_opened' AND lost.id IS NOT NULL)), 0) AS refunded
       FROM ledger_entries e LEFT JOIN fundings f ON f.id = e.funding_id
       LEFT JOIN LATERAL (
         SELECT c.id FROM ledger_entries c
         WHERE e.kind = 'dispute_opened' AND c.funding_id = e.funding_id AND c.kind = 'dispute_closed' AND c.stripe_object_id = e.stripe_object_id
           AND c.amount_cents = 0
         LIMIT 1
       ) lost ON true
       WHERE e.campaign_id = $1 AND ($2 = 'all' OR f.status = 'paid')`,
      [campaignId, scope],
    );
    return { fundedCents: Number(row.funded), refundedCents: Number(row.refunded) };
  }

  async list(campaignId: string, limit: number, after: KeysetCursor | null): Promise<Page<LedgerEntryDto>> {
    const rows: LedgerRow[] = await this.dataSource.query(
      `SELECT id, funding_id, kind, amount_cents, currency, stripe_object_id, stripe_event_id, description, created_at,
              ${cursorInstantSql('created_at')} AS cursor_at
       FROM ledger_entries
       WHERE campaign_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id LIMIT $4`,
      [campaignId, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.cursor_at, id: row.id }),
      (row) => ({
        id: row.id,
        fundingId: row.funding_id,
        kind: row.kind,
        amountCents: Number(row.amount_cents),
        currency: row.currency,
        stripeObjectId: row.stripe_object_id,
        stripeEventId: row.stripe_event_id,
        description: row.description,
        createdAt: row.created_at.toISOString(),
      }),
    );
  }
}
