import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { appendLedgerEntries, Funding, lockPayment, transactionRetryingConflicts } from '@app/db';
import { recordAudit } from '@app/platform';
import { enqueueCampaignEnd, enqueueFundingRefund } from '@app/queue';
import { ChargeEventsService } from './charge-events.service';
import { lockFundingOf } from './funding-of';
import { assertWellFormedEvent, isIdentifier } from './stripe-event-shape';
import { StripeGateway } from './stripe-gateway';

const webhookEvents = new Counter({
  name: 'stripe_webhook_events_total',
  help: 'Verified Stripe webhook events by type and outcome (applied, deferred, duplicate)',
  labelNames: ['type', 'outcome'],
});

const webhookRejected = new Counter({
  name: 'stripe_webhook_rejected_total',
  help: 'Webhook requests refused because their Stripe-Signature is bad, missing or stale',
});

type Outcome = 'applied' | 'deferred' | 'duplicate';

/**
 * Applies Stripe events as prompts, each exactly once. In one transaction: the event id is
 * stored under a unique key (a redelivery stops there), the state change runs behind state
 * guards (fundings and campaigns only move forward), and the ledger rows are written.
 * Events about a payment whose completion has not arrived yet (a refund or dispute overtaking
 * `checkout.session.completed`) are kept unapplied and applied when the completion arrives.
 */
@Injectable()
export class StripeWebhookService {
  private readonly logger = new Logger(StripeWebhookService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stripe: StripeGateway,
    private readonly charges: ChargeEventsService,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<Outcome> {
    const event = this.verified(rawBody, signature);
    const outcome = await transactionRetryingConflicts(this.dataSource, async (m) => {
      const paymentIntentId = paymentIntentOf(event);
      // Events of one payment are applied one at a time, so a completion and an event that
      // overtook it never both miss each other.
      if (paymentIntentId) await lockPayment(m, paymentIntentId);
      const stored: unknown[] = await m.query(
        `INSERT INTO stripe_events (id, type, payment_intent_id, payload) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [event.id, event.type, paymentIntentId, JSON.stringify(event)],
      );
      if (!stored.length) return 'duplicate';
      const applied = await this.apply(m, event);
      if (applied) await m.query(`UPDATE stripe_events SET applied_at = now() WHERE id = $1`, [event.id]);
      return applied ? 'applied' : 'deferred';
    });
    webhookEvents.inc({ type: event.type, outcome });
    return outcome;
  }

  /** A signed and well-formed event; anything else is a 400 and nothing is stored. */
  private verified(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    let event: unknown;
    try {
      event = this.stripe.verifyEvent(rawBody, signature);
    } catch (error) {
      webhookRejected.inc();
      throw error;
    }
    assertWellFormedEvent(event);
    return event;
  }

  /** Returns false when the event must wait for the payment's completion. */
  private async apply(m: EntityManager, event: Stripe.Event): Promise<boolean> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        await this.sessionPaid(m, event);
        return true;
      case 'checkout.session.expired':
        await this.sessionClosed(m, event.data.object, 'expired');
        return true;
      case 'checkout.session.async_payment_failed':
        await this.sessionClosed(m, event.data.object, 'failed');
        return true;
      case 'charge.refunded':
        return this.charges.refunded(m, event);
      case 'charge.dispute.created':
        return this.charges.disputeOpened(m, event);
      case 'charge.dispute.closed':
        return this.charges.disputeClosed(m, event);
      default:
        return true;
    }
  }

  private async sessionPaid(m: EntityManager, event: Stripe.CheckoutSessionCompletedEvent | Stripe.CheckoutSessionAsyncPaymentSucceededEvent): Promise<void> {
    const session = event.data.object;
    // A delayed payment method completes the session unpaid; async_payment_succeeded follows.
    if (session.payment_status !== 'paid') return;
    const funding = await this.fundingOfSession(m, session);
    if (!funding) {
      // Money taken for nothing this platform holds (a database restored from an older backup,
      // a session opened by hand in the Dashboard): only a person can settle it.
      this.logger.warn(
        `Checkout ${session.id} was paid (${session.amount_total ?? '?'} cents) for no funding this platform knows ` +
          `(fundingId ${session.metadata?.fundingId ?? 'none'}); refund it in Stripe unless it is expected`,
      );
      return;
    }
    if (funding.status === 'paid' || funding.status === 'stale') return;
    // Our funding row, found by its own id, decides what was bought; Stripe's copy should agree.
    const campaignNamed = session.metadata?.campaignId;
    if ((campaignNamed && campaignNamed !== funding.campaignId) || (session.amount_total != null && session.amount_total !== funding.amountCents)) {
      this.logger.warn(
        `Checkout ${session.id} disagrees with funding ${funding.id} (campaign ${campaignNamed ?? '?'} vs ${funding.campaignId}, ` +
          `${session.amount_total} vs ${funding.amountCents} cents); the funding's own terms are booked`,
      );
    }
    const paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
    // Only a pending payment for the draft's current budget funds it: the draft may have been
    // edited or cancelled while this checkout page was open, or the platform gave the funding up
    // (expired) just as the customer paid. Such a payment is booked and refunded in full.
    const [[campaign]]: [{ ends_at: Date }[], number] =
      funding.status === 'pending'
        ? await m.query(
            `UPDATE campaigns SET status = 'funded', updated_at = now()
             WHERE id = $1 AND status = 'draft' AND total_units = $2 AND unit_cost_cents = $3
             RETURNING ends_at`,
            [funding.campaignId, funding.fundedUnits, funding.unitCostCents],
          )
        : [[], 0];
    const funded = Boolean(campaign);
    // A funded campaign ends at endsAt whether or not it is ever launched (and is then refunded
    // in full); launch queues the same job again, which its jobId makes a no-op.
    if (campaign) await enqueueCampaignEnd(m, funding.campaignId, campaign.ends_at);
    await m.query(
      `UPDATE fundings SET status = $2, paid_at = now(), updated_at = now(), stripe_payment_intent_id = $3 WHERE id = $1`,
      [funding.id, funded ? 'paid' : 'stale', paymentIntentId],
    );
    await recordAudit(m, {
      actorId: null,
      action: funded ? 'funding.paid' : 'funding.paid_stale',
      entityType: 'campaign',
      entityId: funding.campaignId,
      before: { fundingStatus: funding.status },
      after: { fundingId: funding.id, fundingStatus: funded ? 'paid' : 'stale', amountCents: funding.amountCents, stripeEventId: event.id },
    });
    await appendLedgerEntries(m, [
      {
        campaignId: funding.campaignId,
        fundingId: funding.id,
        kind: 'charge',
        amountCents: funding.unitsCents,
        stripeObjectId: session.id,
        stripeEventId: event.id,
        description: `${funding.fundedUnits} units × ${funding.unitCostCents} cents paid through Checkout`,
      },
      {
        campaignId: funding.campaignId,
        fundingId: funding.id,
        kind: 'fee',
        amountCents: funding.feeCents,
        stripeObjectId: session.id,
        stripeEventId: event.id,
        description: `Platform fee (${funding.feeBps} bps) paid through Checkout`,
      },
    ]);
    if (!funded) {
      this.logger.warn(`Funding ${funding.id} paid for campaign ${funding.campaignId} no longer waiting for it; refunding in full`);
      await enqueueFundingRefund(m, funding.id);
    }
    if (paymentIntentId) await this.applyDeferred(m, paymentIntentId, event.id);
  }

  /** Applies, in arrival order, the events of this payment that arrived before its completion. */
  private async applyDeferred(m: EntityManager, paymentIntentId: string, completionEventId: string): Promise<void> {
    const waiting: { id: string; payload: Stripe.Event }[] = await m.query(
      `SELECT id, payload FROM stripe_events
       WHERE payment_intent_id = $1 AND applied_at IS NULL AND id <> $2 ORDER BY received_at, id FOR UPDATE`,
      [paymentIntentId, completionEventId],
    );
    for (const row of waiting) {
      if (await this.apply(m, row.payload)) await m.query(`UPDATE stripe_events SET applied_at = now() WHERE id = $1`, [row.id]);
    }
  }

  private async sessionClosed(m: EntityManager, session: Stripe.Checkout.Session, status: 'expired' | 'failed'): Promise<void> {
    const funding = await this.fundingOfSession(m, session);
    if (!funding) return;
    await m.query(`UPDATE fundings SET status = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`, [funding.id, status]);
  }

  private fundingOfSession(m: EntityManager, session: Stripe.Checkout.Session): Promise<Funding | null> {
    return lockFundingOf(m, session.metadata, 'stripeCheckoutSessionId', session.id);
  }
}

/** The payment an event is about, used to order and to defer events of one payment. */
function paymentIntentOf(event: Stripe.Event): string | null {
  // Any type may carry one, in any shape (only the applied types' shapes are checked); what no
  // Stripe id looks like (e.g. longer than an index entry holds) is no payment to order by.
  const pi: unknown = (event.data.object as { payment_intent?: unknown }).payment_intent;
  const id: unknown = typeof pi === 'object' && pi !== null ? (pi as { id?: unknown }).id : pi;
  return isIdentifier(id) ? id : null;
}
