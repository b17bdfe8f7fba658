import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { appendLedgerEntries, Funding, Refund } from '@app/db';
import { CampaignStatus, quoteRefund } from '@app/domain';
import { isPermanentStripeError, StripeRefundsClient } from './stripe-refunds.client';

export type RefundOutcome =
  | { outcome: 'refunded'; refundId: string; amountCents: number }
  | { outcome: 'already_refunded'; refundId: string }
  | { outcome: 'nothing_paid' }
  | { outcome: 'nothing_unused' };

type Plan = RefundOutcome | { outcome: 'refund'; refund: Refund; paymentIntentId: string };

const refundsIssued = new Counter({ name: 'campaign_refunds_total', help: 'Campaign refunds confirmed by Stripe' });

/**
 * Refunds a campaign's unused budget once it has ended (by call, at endsAt, or cancelled before
 * launch), with ONE partial refund: the amount is decided and stored (unique per campaign)
 * before Stripe is called, and the call uses the idempotency key `refund-<campaignId>`, so a
 * retried job, a crash after the call, or a second job never refunds twice. The policy (unused
 * units at unit cost plus the same share of the fee, capped by what is left) is `quoteRefund`.
 */
@Injectable()
export class CampaignRefundService {
  private readonly logger = new Logger(CampaignRefundService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stripe: StripeRefundsClient,
  ) {}

  async refundCampaign(campaignId: string): Promise<RefundOutcome> {
    const plan = await this.dataSource.transaction((m) => this.plan(m, campaignId));
    if (plan.outcome !== 'refund') return plan;
    const { refund, paymentIntentId } = plan;
    let stripeRefundId: string;
    try {
      const created = await this.stripe.client.refunds.create(
        {
          payment_intent: paymentIntentId,
          amount: refund.amountCents,
          reason: 'requested_by_customer',
          metadata: { campaignId, fundingId: refund.fundingId, refundId: refund.id, unusedUnits: String(refund.unusedUnits) },
        },
        { idempotencyKey: `refund-${campaignId}` },
      );
      stripeRefundId = created.id;
    } catch (error) {
      if (isPermanentStripeError(error)) {
        throw new UnrecoverableError(`Stripe refused the refund of campaign ${campaignId}: ${(error as Error).message}`);
      }
      throw error;
    }
    await this.dataSource.transaction((m) => this.record(m, refund, stripeRefundId));
    refundsIssued.inc();
    this.logger.log(`Refunded ${refund.amountCents} cents (${refund.unusedUnits} unused units) for campaign ${campaignId}`);
    return { outcome: 'refunded', refundId: stripeRefundId, amountCents: refund.amountCents };
  }

  private async plan(m: EntityManager, campaignId: string): Promise<Plan> {
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
    const refunds = m.getRepository(Refund);
    const existing = await refunds.findOne({ where: { campaignId } });
    if (existing?.status === 'succeeded') return { outcome: 'already_refunded', refundId: existing.stripeRefundId! };
    if (existing) return { outcome: 'refund', refund: existing, paymentIntentId: funding.stripePaymentIntentId };

    const [refunded] = await m.query(
      `SELECT coalesce(-sum(amount_cents), 0) AS cents FROM ledger_entries WHERE funding_id = $1 AND kind IN ('refund', 'fee_refund')`,
      [funding.id],
    );
    const quote = quoteRefund(funding, campaign.claimed_units, Number(refunded.cents));
    if (quote.amountCents === 0) return { outcome: 'nothing_unused' };
    const refund = await refunds.save(refunds.create({ campaignId, fundingId: funding.id, ...quote, status: 'pending' }));
    return { outcome: 'refund', refund, paymentIntentId: funding.stripePaymentIntentId };
  }

  private async record(m: EntityManager, refund: Refund, stripeRefundId: string): Promise<void> {
    await m.query(`UPDATE refunds SET status = 'succeeded', stripe_refund_id = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`, [
      refund.id,
      stripeRefundId,
    ]);
    const base = { campaignId: refund.campaignId, fundingId: refund.fundingId, stripeObjectId: stripeRefundId };
    await appendLedgerEntries(m, [
      { ...base, kind: 'refund', amountCents: -refund.unitsCents, description: `${refund.unusedUnits} unused units refunded` },
      ...(refund.feeCents > 0
        ? [{ ...base, kind: 'fee_refund' as const, amountCents: -refund.feeCents, description: 'Platform fee share of the unused units refunded' }]
        : []),
    ]);
  }

  /** A campaign cancelled before it was paid: its open checkout must not take money any more. */
  private async closeOpenCheckout(m: EntityManager, campaignId: string): Promise<void> {
    const open = await m.getRepository(Funding).findOne({ where: { campaignId, status: 'pending' } });
    if (!open?.stripeCheckoutSessionId) return;
    const session = await this.stripe.client.checkout.sessions.retrieve(open.stripeCheckoutSessionId);
    if (session.status === 'open') await this.stripe.client.checkout.sessions.expire(session.id);
    // A session completed meanwhile stays pending here: its webhook marks it paid and queues a refund.
    if (session.status !== 'complete') {
      await m.query(`UPDATE fundings SET status = 'expired', updated_at = now() WHERE id = $1 AND status = 'pending'`, [open.id]);
    }
  }
}
