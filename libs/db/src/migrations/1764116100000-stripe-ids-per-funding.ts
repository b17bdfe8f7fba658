import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe's ids are unique only at Stripe: a stand-in such as stripe-mock answers every session,
 * payment intent and refund with the same id. Uniqueness is therefore kept on our own objects:
 * a ledger movement is unique per funding and, for the platform's refunds, per refund row (a
 * top-up is another refund even if Stripe names it alike); fundings and refunds keep Stripe's ids
 * as plain look-up columns. Replays still book nothing twice: they carry the same funding or
 * refund, and the fundings' and refunds' state guards run first.
 * `down` fails while rows share a Stripe id.
 */
export class StripeIdsPerFunding1764116100000 implements MigrationInterface {
  name = 'StripeIdsPerFunding1764116100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE fundings DROP CONSTRAINT fundings_stripe_checkout_session_id_key;
      CREATE INDEX fundings_checkout_session_idx ON fundings (stripe_checkout_session_id);
      ALTER TABLE fundings DROP CONSTRAINT fundings_stripe_payment_intent_id_key;
      CREATE INDEX fundings_payment_intent_idx ON fundings (stripe_payment_intent_id);
      ALTER TABLE refunds DROP CONSTRAINT refunds_stripe_refund_id_key;

      ALTER TABLE ledger_entries ADD COLUMN refund_id uuid REFERENCES refunds(id);
      ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_stripe_object_id_key;
      ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_movement_key
        UNIQUE NULLS NOT DISTINCT (funding_id, refund_id, kind, stripe_object_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_movement_key;
      ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_stripe_object_id_key UNIQUE (kind, stripe_object_id);
      ALTER TABLE ledger_entries DROP COLUMN refund_id;

      ALTER TABLE refunds ADD CONSTRAINT refunds_stripe_refund_id_key UNIQUE (stripe_refund_id);
      DROP INDEX fundings_payment_intent_idx;
      ALTER TABLE fundings ADD CONSTRAINT fundings_stripe_payment_intent_id_key UNIQUE (stripe_payment_intent_id);
      DROP INDEX fundings_checkout_session_idx;
      ALTER TABLE fundings ADD CONSTRAINT fundings_stripe_checkout_session_id_key UNIQUE (stripe_checkout_session_id);
    `);
  }
}
