import { EntityManager } from 'typeorm';
import { LedgerKind } from './entities/ledger-entry.entity';

export interface NewLedgerEntry {
  campaignId: string;
  fundingId: string | null;
  kind: LedgerKind;
  /** signed: money reaching the platform is positive, money leaving it negative */
  amountCents: number;
  currency?: string;
  /** the Stripe object the movement belongs to; with `kind` it makes the entry unique */
  stripeObjectId: string;
  stripeEventId?: string | null;
  description: string;
}

/**
 * Appends ledger entries in the caller's transaction. An entry already booked for the same
 * `(kind, stripeObjectId)` is skipped, so replays never book a movement twice.
 * Returns how many entries were new.
 */
export async function appendLedgerEntries(manager: EntityManager, entries: NewLedgerEntry[]): Promise<number> {
  if (!entries.length) return 0;
  const rows = entries.map((e) => ({
    campaign_id: e.campaignId,
    funding_id: e.fundingId,
    kind: e.kind,
    amount_cents: e.amountCents,
    currency: e.currency ?? 'usd',
    stripe_object_id: e.stripeObjectId,
    stripe_event_id: e.stripeEventId ?? null,
    description: e.description,
  }));
  const inserted: unknown[] = await manager.query(
    `INSERT INTO ledger_entries (campaign_id, funding_id, kind, amount_cents, currency, stripe_object_id, stripe_event_id, description)
     SELECT campaign_id, funding_id, kind, amount_cents, currency, stripe_object_id, stripe_event_id, description
     FROM jsonb_to_recordset($1::jsonb) AS x(campaign_id uuid, funding_id uuid, kind text, amount_cents bigint, currency text,
                                            stripe_object_id text, stripe_event_id text, description text)
     ON CONFLICT (kind, stripe_object_id) DO NOTHING
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return inserted.length;
}
