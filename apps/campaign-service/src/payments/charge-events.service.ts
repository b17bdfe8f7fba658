import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { appendLedgerEntries, bookUnexplainedRefunds, Funding } from '@app/db';
import { recordAudit } from '@app/platform';
import { CampaignStatus } from '@app/domain';
import { enqueueCampaignRefund, enqueueFundingRefund } from '@app/queue';
import { lockFundingOf } from './funding-of';

/**
 * Stripe events about a charge after payment: refunds and disputes. Each runs in the webhook's
 * transaction and returns false while the payment's completion has not arrived yet, so the
 * event is kept and applied right after it.
 */
@Injectable()
export class ChargeEventsService {
  async refunded(m: EntityManager, event: Stripe.ChargeRefundedEvent): Promise<boolean> {
    const charge = event.data.object;
    const funding = await this.paidFundingOf(m, charge.payment_intent, charge.metadata);
    if (!funding) return false;
    // Refunds the platform made or has in flight are in the ledger; anything beyond them was
    // made elsewhere (e.g. the Stripe Dashboard) and is booked now, so every cent is there.
    await bookUnexplainedRefunds(m, funding, { chargeId: charge.id, amountRefunded: charge.amount_refunded }, event.id);
    await appendLedgerEntries(m, [
      {
        campaignId: funding.campaignId,
        fundingId: funding.id,
        kind: 'refund_confirmed',
        amountCents: 0,
        stripeObjectId: `${charge.id}:${charge.amount_refunded}`,
        stripeEventId: event.id,
        description: `Stripe confirms ${charge.amount_refunded} of ${charge.amount} cents refunded`,
      },
    ]);
    await m.query(`UPDATE refunds SET confirmed_at = now(), updated_at = now() WHERE funding_id = $1 AND status = 'succeeded' AND confirmed_at IS NULL`, [
      funding.id,
    ]);
    return true;
  }

  async disputeOpened(m: EntityManager, event: Stripe.ChargeDisputeCreatedEvent): Promise<boolean> {
    const dispute = event.data.object;
    const funding = await this.paidFundingOf(m, dispute.payment_intent, dispute.metadata);
    if (!funding) return false;
    const booked = await appendLedgerEntries(m, [
      {
        campaignId: funding.campaignId,
        fundingId: funding.id,
        kind: 'dispute_opened',
        amountCents: -dispute.amount,
        stripeObjectId: dispute.id,
        stripeEventId: event.id,
        description: `Dispute opened (${dispute.reason}); Stripe withholds the disputed amount`,
      },
    ]);
    if (!booked) return true;
    await recordAudit(m, {
      actorId: null,
      action: 'funding.dispute_open',
      entityType: 'campaign',
      entityId: funding.campaignId,
      after: { fundingId: funding.id, disputeId: dispute.id, amountCents: dispute.amount, reason: dispute.reason },
    });
    const [closed] = await m.query(`SELECT 1 FROM ledger_entries WHERE funding_id = $1 AND kind = 'dispute_closed' AND stripe_object_id = $2`, [
      funding.id,
      dispute.id,
    ]);
    // Only the payment that funds the campaign freezes its claims (a stale one funds nothing).
    if (!closed && funding.status === 'paid') {
      await m.query(`UPDATE campaigns SET claims_frozen = true, updated_at = now() WHERE id = $1`, [funding.campaignId]);
    }
    await m.query(
      `INSERT INTO notifications (member_id, kind, title, data)
       SELECT id, 'payment_dispute', 'A brand disputed a campaign payment', $1::jsonb FROM users WHERE role = 'admin'`,
      [JSON.stringify({ campaignId: funding.campaignId, fundingId: funding.id, disputeId: dispute.id, amountCents: dispute.amount, reason: dispute.reason })],
    );
    return true;
  }

  async disputeClosed(m: EntityManager, event: Stripe.ChargeDisputeClosedEvent): Promise<boolean> {
    const dispute = event.data.object;
    const funding = await this.paidFundingOf(m, dispute.payment_intent, dispute.metadata);
    if (!funding) return false;
    const won = dispute.status === 'won';
    const booked = await appendLedgerEntries(m, [
      {
        campaignId: funding.campaignId,
        fundingId: funding.id,
        kind: 'dispute_closed',
        amountCents: won ? dispute.amount : 0,
        stripeObjectId: dispute.id,
        stripeEventId: event.id,
        description: won ? 'Dispute won; the withheld amount is returned' : `Dispute closed as ${dispute.status}; the amount stays with the customer`,
      },
    ]);
    if (booked) {
      await recordAudit(m, {
        actorId: null,
        action: 'funding.dispute_close',
        entityType: 'campaign',
        entityId: funding.campaignId,
        after: { fundingId: funding.id, disputeId: dispute.id, disputeStatus: dispute.status, returnedCents: won ? dispute.amount : 0 },
      });
    }
    // A lost dispute keeps claims frozen: the budget behind them is gone.
    if (booked && won) await m.query(`UPDATE campaigns SET claims_frozen = false, updated_at = now() WHERE id = $1`, [funding.campaignId]);
    // The refund of an ended campaign (or of a stale payment) waited for this outcome.
    if (booked) await this.requeueRefund(m, funding, dispute.id);
    return true;
  }

  private async requeueRefund(m: EntityManager, funding: Funding, disputeId: string): Promise<void> {
    if (funding.status === 'stale') return enqueueFundingRefund(m, funding.id, disputeId);
    const [campaign]: { status: CampaignStatus }[] = await m.query(`SELECT status FROM campaigns WHERE id = $1`, [funding.campaignId]);
    if (campaign?.status === CampaignStatus.Ended) await enqueueCampaignRefund(m, funding.campaignId, disputeId);
  }

  /**
   * The paid (or stale) funding a charge or dispute belongs to, or null while its completion is
   * still to come, or while several fundings share its payment intent and it names none of them.
   */
  private async paidFundingOf(
    m: EntityManager,
    paymentIntent: string | Stripe.PaymentIntent | null,
    metadata: Stripe.Metadata | null,
  ): Promise<Funding | null> {
    const paymentIntentId = typeof paymentIntent === 'string' ? paymentIntent : (paymentIntent?.id ?? null);
    const funding = await lockFundingOf(m, metadata, 'stripePaymentIntentId', paymentIntentId);
    return funding?.status === 'paid' || funding?.status === 'stale' ? funding : null;
  }
}
