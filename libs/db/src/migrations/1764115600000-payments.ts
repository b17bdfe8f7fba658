import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments: Checkout fundings, received Stripe events (each applied once), the
 * append-only ledger and the one refund a campaign may get.
 */
export class Payments1764115600000 implements MigrationInterface {
  name = 'Payments1764115600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fundings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        -- stale: paid, but funds nothing (paid after the campaign was cancelled, or for a budget the
        -- draft no longer has); it is refunded in full
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'stale', 'expired', 'failed')),
        funded_units integer NOT NULL CHECK (funded_units >= 0),
        unit_cost_cents integer NOT NULL CHECK (unit_cost_cents >= 1),
        fee_bps integer NOT NULL CHECK (fee_bps BETWEEN 0 AND 10000),
        units_cents bigint NOT NULL CHECK (units_cents = funded_units::bigint * unit_cost_cents),
        fee_cents bigint NOT NULL CHECK (fee_cents >= 0),
        amount_cents bigint NOT NULL CHECK (amount_cents = units_cents + fee_cents),
        currency text NOT NULL DEFAULT 'usd',
        stripe_checkout_session_id text UNIQUE,
        checkout_url text,
        stripe_payment_intent_id text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        paid_at timestamptz
      );
      -- At most one funding is open or paid per campaign: a campaign is never charged twice.
      CREATE UNIQUE INDEX fundings_one_live_per_campaign ON fundings (campaign_id) WHERE status IN ('pending', 'paid');

      CREATE TABLE stripe_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        payment_intent_id text,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        -- NULL while the event waits for an earlier one (e.g. charge.refunded before checkout completion)
        applied_at timestamptz
      );
      CREATE INDEX stripe_events_deferred_idx ON stripe_events (payment_intent_id) WHERE applied_at IS NULL;

      CREATE TABLE ledger_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        funding_id uuid REFERENCES fundings(id),
        kind text NOT NULL CHECK (kind IN ('charge', 'fee', 'refund', 'fee_refund', 'refund_confirmed',
                                           'dispute_opened', 'dispute_closed')),
        -- signed: money reaching the platform is positive, money leaving it negative
        amount_cents bigint NOT NULL,
        currency text NOT NULL DEFAULT 'usd',
        stripe_object_id text NOT NULL,
        stripe_event_id text,
        description text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (kind, stripe_object_id)
      );
      CREATE INDEX ledger_entries_campaign_idx ON ledger_entries (campaign_id, created_at, id);
      CREATE INDEX ledger_entries_funding_idx ON ledger_entries (funding_id, kind);

      CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP;
      END
      $$;
      CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
      CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

      CREATE TABLE refunds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        -- one refund per payment: a campaign's paid funding, or a stale one, is never refunded twice
        funding_id uuid NOT NULL UNIQUE REFERENCES fundings(id),
        unused_units integer NOT NULL CHECK (unused_units >= 0),
        units_cents bigint NOT NULL CHECK (units_cents >= 0),
        fee_cents bigint NOT NULL CHECK (fee_cents >= 0),
        amount_cents bigint NOT NULL CHECK (amount_cents > 0 AND amount_cents = units_cents + fee_cents),
        -- failed: Stripe refused it for good (e.g. the charge was refunded elsewhere meanwhile)
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        stripe_refund_id text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz
      );
      CREATE INDEX refunds_campaign_idx ON refunds (campaign_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE refunds, ledger_entries, stripe_events, fundings;
      DROP FUNCTION ledger_entries_append_only();
    `);
  }
}
