import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { Counter } from 'prom-client';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { appendLedgerEntries, bookUnexplainedRefunds, Funding, lockPayment, Refund } from '@app/db';
import { CampaignStatus, quoteRefund } from '@app/domain';
import { recordAudit } from '@app/platform';
import { isPermanentStripeError, StripeRefundsClient } from './stripe-refunds.client';

export type RefundOutcome =
  | { outcome: 'refunded'; refundId: string; amountCents: number }
  /** the payment is disputed: nothing is refunded until the dispute closes (which queues the job again) */
  | { outcome: 'disputed' }
  | { outcome: 'already_refunded'; refundId: string }
  | { outcome: 'nothing_paid' }
  | { outcome: 'nothing_unused' };

interface RefundToMake {
  outcome: 'refund';
  refund: Refund;
  paymentIntentId: string;
  idempotencyKey: string;
  /** planned by an earlier attempt, which may have reached Stripe */
  inFlight: boolean;
}

const refundsIssued = new Counter({ name: 'payment_refunds_total', help: 'Refunds Stripe accepted', labelNames: ['reason'] });

/**
 * Refunds through Stripe, each cent at most once: the amount is decided and stored first
 * (`refunds`, numbered per funding, at most one in flight), then ONE Stripe refund is made with an
 * idempotency key from the business key and that number, so a retried job, a crash after the call
 * or a second job never refunds twice. Stripe 5xx and timeouts are thrown for BullMQ to retry
 * with backoff; a 4xx is permanent (the refund is marked failed for an admin). After either
 * outcome the charge's refunded total is reconciled with the ledger, so refunds made elsewhere
 * meanwhile are booked too.
 *
 * - `refundCampaign`: when a campaign ends (by call, at endsAt, or cancelled before launch),
 *   its unused budget, per the policy in `quoteRefund` (unused units at unit cost plus the same
 *   share of the fee, less what was refunded elsewhere), with the key `refund-<campaignId>`. A unit that
 *   comes back after the end (a pending claim fails or is cancelled) is refunded by a top-up,
 *   `refund-<campaignId>-<n>`, the difference between the policy's amount now and what was paid.
 *   While a dispute of the payment is open nothing is refunded (Stripe would refuse); its close
 *   queues the job again, and a dispute the customer won counts as refunded.
 * - `refundStaleFunding`: a payment that funds nothing (completed after the campaign was
 *   cancelled, or for a budget the draft no longer has) goes back in full.
 */
@Injectable()
export class CampaignRefundService {
  private readonly logger = new Logger(CampaignRefundService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stripe: StripeRefundsClient,
  ) {}

  async refundCampaign(campaignId: string): Promise<RefundOutcome> {
    await this.bookRefundsMadeElsewhere(await this.dataSource.getRepository(Funding).findOne({ where: { campaignId, status: 'paid' } }));
    return this.settle(() => this.dataSource.transaction((m) => this.planCampaign(m, campaignId)), 'campaign_end');
  }

  async refundStaleFunding(fundingId: string): Promise<RefundOutcome> {
    await this.bookRefundsMadeElsewhere(await this.dataSource.getRepository(Funding).findOne({ where: { id: fundingId } }));
    return this.settle(() => this.dataSource.transaction((m) => this.planStale(m, fundingId)), 'stale_payment');
  }

  /**
   * Books what Stripe shows refunded on the payment and the ledger does not explain yet, before
   * anything is planned: the plan counts refunds from the ledger, and one missing there would be
   * refunded again — a refund made in the Dashboard whose event is still on its way, or one the
   * platform made itself and then forgot (PostgreSQL restored from a backup), whose idempotency
   * key Stripe keeps for a day only and the next plan would not reuse anyway (a new refund id).
   */
  private async bookRefundsMadeElsewhere(funding: Funding | null): Promise<void> {
    const paymentIntentId = funding?.stripePaymentIntentId;
    if (!paymentIntentId) return;
    const charge = await this.latestCharge(paymentIntentId);
    if (!charge) return;
    await this.dataSource.transaction(async (m) => {
      await lockPayment(m, paymentIntentId);
      await bookUnexplainedRefunds(m, { id: funding.id, campaignId: funding.campaignId }, { chargeId: charge.id, amountRefunded: charge.amount_refunded }, null);
    });
  }

  /**
   * Makes refunds until nothing more is owed: a refund found in flight (a crashed or parallel
   * job's) is finished first, then what it did not cover — units returned meanwhile — is planned
   * anew. Answers the last refund made, or what the plan found when none was needed.
   */
  private async settle(plan: () => Promise<RefundOutcome | RefundToMake>, reason: string): Promise<RefundOutcome> {
    let made: RefundOutcome | undefined;
    for (;;) {
      const next = await plan();
      if (next.outcome !== 'refund') return made ?? next;
      made = await this.execute(next, reason);
      if (made.outcome === 'disputed') return made;
    }
  }

  private async planCampaign(m: EntityManager, campaignId: string): Promise<RefundOutcome | RefundToMake> {
    // The row lock waits for any claim transaction still committing on this campaign, so the
    // claimed units read here are final (claims are refused once the campaign has ended).
    const [campaign] = await m.query(`SELECT status, claimed_units FROM campaigns WHERE id = $1 FOR UPDATE`, [campaignId]);
    if (!campaign) throw new UnrecoverableError(`campaign ${campaignId} does not exist`);
    if (campaign.status !== CampaignStatus.Ended) throw new UnrecoverableError(`campaign ${campaignId} has not ended (it is ${campaign.status})`);
    const funding = await m.getRepository(Funding).findOne({ where: { campaignId, status: 'paid' } });
    if (!funding?.stripePaymentIntentId) {
      await this.closeOpenCheckout(m, campaignId);
      return { outcome: 'nothing_paid' };
    }
    return this.planFor(m, funding, campaign.claimed_units, `refund-${campaignId}`);
  }

  private async planStale(m: EntityManager, fundingId: string): Promise<RefundOutcome | RefundToMake> {
    const funding = await m.getRepository(Funding).findOne({ where: { id: fundingId }, lock: { mode: 'pessimistic_write' } });
    if (!funding) throw new UnrecoverableError(`funding ${fundingId} does not exist`);
    if (funding.status !== 'stale' || !funding.stripePaymentIntentId) {
      throw new UnrecoverableError(`funding ${fundingId} is ${funding.status}, not a stale payment`);
    }
    return this.planFor(m, funding, 0, `refund-funding-${fundingId}`);
  }

  /**
   * Reuses this funding's refund in flight, or stores the next one (`sequence` n, key `<key>` for
   * the first and `<key>-<n>` after): what the policy owes at the current claimed units minus
   * what earlier refunds paid. Nothing is stored for 0 cents.
   */
  private async planFor(m: EntityManager, funding: Funding, claimedUnits: number, key: string): Promise<RefundOutcome | RefundToMake> {
    const refunds = m.getRepository(Refund);
    const paymentIntentId = funding.stripePaymentIntentId!;
    const idempotencyKey = (refund: Refund) => (refund.sequence === 1 ? key : `${key}-${refund.sequence}`);
    // What went back to the customer already: refunds, and a chargeback (an open dispute's amount, or a lost one's).
    const [refunded]: { cents: string; open_disputes: number }[] = await m.query(
      `SELECT coalesce(-sum(amount_cents) FILTER (WHERE kind IN ('refund', 'fee_refund', 'dispute_opened', 'dispute_closed')), 0) AS cents,
              (count(*) FILTER (WHERE kind = 'dispute_opened') - count(*) FILTER (WHERE kind = 'dispute_closed'))::int AS open_disputes
       FROM ledger_entries WHERE funding_id = $1`,
      [funding.id],
    );
    // Stripe refuses to refund a charged-back payment: the brand's money (a refund in flight too) waits for the outcome.
    if (refunded.open_disputes > 0) return { outcome: 'disputed' };
    const earlier = await refunds.find({ where: { fundingId: funding.id }, order: { sequence: 'ASC' } });
    const failed = earlier.find((r) => r.status === 'failed');
    if (failed) throw new UnrecoverableError(`refund ${failed.id} was refused by Stripe for good; an admin settles it`);
    const pending = earlier.find((r) => r.status === 'pending');
    if (pending) return { outcome: 'refund', refund: pending, paymentIntentId, idempotencyKey: idempotencyKey(pending), inFlight: true };

    const made = earlier.filter((r) => r.status === 'succeeded');
    const previous = {
      unusedUnits: sum(made, (r) => r.unusedUnits),
      unitsCents: sum(made, (r) => r.unitsCents),
      feeCents: sum(made, (r) => r.feeCents),
    };
    const quote = quoteRefund(funding, claimedUnits, Number(refunded.cents), previous);
    const last = made.at(-1);
    if (quote.amountCents === 0) return last ? { outcome: 'already_refunded', refundId: last.stripeRefundId! } : { outcome: 'nothing_unused' };
    // Numbered after every earlier refund, a disputed one too: its key has Stripe's refusal stored.
    const sequence = (earlier.at(-1)?.sequence ?? 0) + 1;
    const refund = await refunds.save(refunds.create({ campaignId: funding.campaignId, fundingId: funding.id, sequence, ...quote, status: 'pending' }));
    return { outcome: 'refund', refund, paymentIntentId, idempotencyKey: idempotencyKey(refund), inFlight: false };
  }

  private async execute(plan: RefundToMake, reason: string): Promise<RefundOutcome> {
    const { refund, paymentIntentId, idempotencyKey } = plan;
    let created: Stripe.Refund;
    try {
      // Stripe keeps an idempotency key for a day, and these jobs retry for days: a refund whose
      // answer was lost is looked for by its id before it is asked for again.
      const made = plan.inFlight ? await this.madeAlready(paymentIntentId, refund.id) : undefined;
      created =
        made ??
        (await this.stripe.client.refunds.create(
          {
            payment_intent: paymentIntentId,
            amount: refund.amountCents,
            reason: 'requested_by_customer',
            metadata: { campaignId: refund.campaignId, fundingId: refund.fundingId, refundId: refund.id, unusedUnits: String(refund.unusedUnits) },
          },
          { idempotencyKey },
        ));
    } catch (error) {
      // Charged back since it was planned (the webhook may still be on its way). Stripe keeps this
      // answer under the key, so a refund with the next number replaces it once the dispute is won.
      if ((error as { code?: string }).code === 'charge_disputed') {
        await this.dataSource.query(`UPDATE refunds SET status = 'disputed', updated_at = now() WHERE id = $1 AND status = 'pending'`, [refund.id]);
        return { outcome: 'disputed' };
      }
      if (!isPermanentStripeError(error)) throw error;
      await this.recordFailure(plan);
      throw new UnrecoverableError(`Stripe refused refund ${refund.id} of campaign ${refund.campaignId}: ${(error as Error).message}`);
    }
    const chargeId = typeof created.charge === 'string' ? created.charge : created.charge!.id;
    const charge = await this.stripe.client.charges.retrieve(chargeId);
    await this.dataSource.transaction((m) => this.record(m, plan, created.id, charge));
    refundsIssued.inc({ reason });
    this.logger.log(`Refunded ${refund.amountCents} cents (${refund.unusedUnits} units) of campaign ${refund.campaignId} (${reason})`);
    return { outcome: 'refunded', refundId: created.id, amountCents: refund.amountCents };
  }

  /** The refund Stripe made for this row (its id in the metadata), if any. */
  private async madeAlready(paymentIntentId: string, refundId: string): Promise<Stripe.Refund | undefined> {
    for await (const made of this.stripe.client.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
      if (made.metadata?.refundId === refundId) return made;
    }
    return undefined;
  }

  /** Books the refund, then whatever else the charge shows refunded that the ledger does not explain yet. */
  private async record(m: EntityManager, { refund, paymentIntentId }: RefundToMake, stripeRefundId: string, charge: Stripe.Charge): Promise<void> {
    await lockPayment(m, paymentIntentId);
    const [, succeeded]: [unknown[], number] = await m.query(
      `UPDATE refunds SET status = 'succeeded', stripe_refund_id = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
      [refund.id, stripeRefundId],
    );
    if (succeeded) {
      await recordAudit(m, {
        actorId: null,
        action: 'refund.issue',
        entityType: 'campaign',
        entityId: refund.campaignId,
        before: { refundStatus: 'pending' },
        after: { refundId: refund.id, fundingId: refund.fundingId, refundStatus: 'succeeded', amountCents: refund.unitsCents + refund.feeCents, stripeRefundId },
      });
    }
    const base = { campaignId: refund.campaignId, fundingId: refund.fundingId, refundId: refund.id, stripeObjectId: stripeRefundId };
    await appendLedgerEntries(m, [
      { ...base, kind: 'refund', amountCents: -refund.unitsCents, description: `${refund.unusedUnits} unused units refunded` },
      ...(refund.feeCents > 0
        ? [{ ...base, kind: 'fee_refund' as const, amountCents: -refund.feeCents, description: 'Platform fee share of the unused units refunded' }]
        : []),
    ]);
    await bookUnexplainedRefunds(m, { id: refund.fundingId, campaignId: refund.campaignId }, { chargeId: charge.id, amountRefunded: charge.amount_refunded }, null);
    // Stripe's charge.refunded may have been applied before this transaction: it confirmed us already.
    await m.query(
      `UPDATE refunds SET confirmed_at = now() WHERE id = $1 AND confirmed_at IS NULL
         AND EXISTS (SELECT 1 FROM ledger_entries WHERE funding_id = $2 AND kind = 'refund_confirmed' AND stripe_object_id = $3)`,
      [refund.id, refund.fundingId, `${charge.id}:${charge.amount_refunded}`],
    );
  }

  /**
   * Stripe refused the refund for good (e.g. the charge was refunded elsewhere meanwhile): the
   * row stops counting as in flight, and refunds made elsewhere are booked from the charge.
   */
  private async recordFailure({ refund, paymentIntentId }: RefundToMake): Promise<void> {
    const charge = await this.latestCharge(paymentIntentId);
    await this.dataSource.transaction(async (m) => {
      await lockPayment(m, paymentIntentId);
      const [, failed]: [unknown[], number] = await m.query(`UPDATE refunds SET status = 'failed', updated_at = now() WHERE id = $1 AND status = 'pending'`, [
        refund.id,
      ]);
      if (failed) {
        await recordAudit(m, {
          actorId: null,
          action: 'refund.fail',
          entityType: 'campaign',
          entityId: refund.campaignId,
          before: { refundStatus: 'pending' },
          after: { refundId: refund.id, fundingId: refund.fundingId, refundStatus: 'failed' },
        });
      }
      if (charge) {
        await bookUnexplainedRefunds(m, { id: refund.fundingId, campaignId: refund.campaignId }, { chargeId: charge.id, amountRefunded: charge.amount_refunded }, null);
      }
    });
  }

  /** The payment's charge, or null when there is none, or Stripe cannot give it for good (an unknown payment). */
  private async latestCharge(paymentIntentId: string): Promise<Stripe.Charge | null> {
    try {
      const intent = await this.stripe.client.paymentIntents.retrieve(paymentIntentId);
      const chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id;
      return chargeId ? await this.stripe.client.charges.retrieve(chargeId) : null;
    } catch (error) {
      if (isPermanentStripeError(error)) return null;
      throw error;
    }
  }

  /** A campaign cancelled before it was paid: its open checkout must not take money any more. */
  private async closeOpenCheckout(m: EntityManager, campaignId: string): Promise<void> {
    const open = await m.getRepository(Funding).findOne({ where: { campaignId, status: 'pending' } });
    if (!open?.stripeCheckoutSessionId) return;
    const session = await this.stripe.client.checkout.sessions.retrieve(open.stripeCheckoutSessionId);
    if (session.status === 'open') await this.stripe.client.checkout.sessions.expire(session.id);
    // A session completed meanwhile stays pending here: its webhook marks it stale and refunds it.
    if (session.status !== 'complete') {
      await m.query(`UPDATE fundings SET status = 'expired', updated_at = now() WHERE id = $1 AND status = 'pending'`, [open.id]);
    }
  }
}

function sum(refunds: Refund[], value: (refund: Refund) => number): number {
  return refunds.reduce((total, refund) => total + value(refund), 0);
}
