import { EntityManager } from 'typeorm';
import { LedgerKind } from './entities/ledger-entry.entity';

export interface NewLedgerEntry {
  campaignId: string;
  fundingId: string | null;
  kind: LedgerKind;
  /** signed: money reaching the platform is positive, money leaving it negative */
  amountCents: number;
  currency?: string;
  /** the platform refund (`refunds` row) the movement books, if any */
  refundId?: string | null;
  /** the Stripe object the movement belongs to; with the funding, the refund and `kind` it makes the entry unique */
  stripeObjectId: string;
  stripeEventId?: string | null;
  description: string;
}

/**
 * Appends ledger entries in the caller's transaction. An entry already booked for the same
 * `(fundingId, refundId, kind, stripeObjectId)` is skipped, so replays never book a movement
 * twice; Stripe ids are scoped to our own funding and refund, since a mock Stripe repeats them.
 * Returns how many entries were new.
 */
export async function appendLedgerEntries(manager: EntityManager, entries: NewLedgerEntry[]): Promise<number> {
  if (!entries.length) return 0;
  const rows = entries.map((e) => ({
    campaign_id: e.campaignId,
    funding_id: e.fundingId,
    refund_id: e.refundId ?? null,
    kind: e.kind,
    amount_cents: e.amountCents,
    currency: e.currency ?? 'usd',
    stripe_object_id: e.stripeObjectId,
    stripe_event_id: e.stripeEventId ?? null,
    description: e.description,
  }));
  const inserted: unknown[] = await manager.query(
    `INSERT INTO ledger_entries (campaign_id, funding_id, refund_id, kind, amount_cents, currency, stripe_object_id, stripe_event_id, description)
     SELECT campaign_id, funding_id, refund_id, kind, amount_cents, currency, stripe_object_id, stripe_event_id, description
     FROM jsonb_to_recordset($1::jsonb) AS x(campaign_id uuid, funding_id uuid, refund_id uuid, kind text, amount_cents bigint, currency text,
                                            stripe_object_id text, stripe_event_id text, description text)
     ON CONFLICT (funding_id, refund_id, kind, stripe_object_id) DO NOTHING
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return inserted.length;
}

/** What Stripe says has been refunded on a charge, in total. */
export interface ChargeRefundState {
  chargeId: string;
  amountRefunded: number;
}

/**
 * Books the part of a charge's refunded total that no ledger entry explains yet: a refund made
 * outside the platform (e.g. in the Stripe Dashboard). A platform refund still in flight
 * (`refunds.status = 'pending'`) counts as explained; the refund job reconciles again once it
 * has settled. Each booking is computed against the ledger as it stands, under the payment's
 * advisory lock (take it first), so the webhook and the job never book the same cents twice.
 * Returns the cents booked.
 */
export async function bookUnexplainedRefunds(
  manager: EntityManager,
  funding: { id: string; campaignId: string },
  charge: ChargeRefundState,
  stripeEventId: string | null,
): Promise<number> {
  const [known] = await manager.query(
    `SELECT coalesce((SELECT -sum(amount_cents) FROM ledger_entries
                      WHERE funding_id = $1 AND kind IN ('refund', 'fee_refund')), 0)
          + coalesce((SELECT sum(amount_cents) FROM refunds WHERE funding_id = $1 AND status = 'pending'), 0) AS cents`,
    [funding.id],
  );
  const unexplained = charge.amountRefunded - Number(known.cents);
  if (unexplained <= 0) return 0;
  const booked = await appendLedgerEntries(manager, [
    {
      campaignId: funding.campaignId,
      fundingId: funding.id,
      kind: 'refund',
      amountCents: -unexplained,
      // the refunded total and what explained it: the same state books once, a new state anew
      stripeObjectId: `${charge.chargeId}:external:${charge.amountRefunded}:${Number(known.cents)}`,
      stripeEventId,
      description: 'Refund made outside the platform (e.g. in the Stripe Dashboard)',
    },
  ]);
  return booked ? unexplained : 0;
}

/** Serialises everything the platform does about one Stripe payment (webhook events, refund job). */
export async function lockPayment(manager: EntityManager, paymentIntentId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [paymentIntentId]);
}
