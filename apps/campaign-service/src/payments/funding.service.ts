import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, Funding } from '@app/db';
import { CampaignStatus, DomainError, ErrorCode, platformFeeCents } from '@app/domain';
import { findCampaignFor } from '../common/campaign-access';
import { FundingResponseDto } from './dto/funding.dto';
import { StripeGateway } from './stripe-gateway';

const CURRENCY = 'usd';

/**
 * Funding a campaign through Stripe Checkout. The pending funding row is written first and
 * the session is created with an idempotency key derived from its id, so a repeated or
 * concurrent call gets the same open session and the brand is never charged twice.
 */
@Injectable()
export class FundingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
  ) {}

  async fund(user: AuthUser, campaignId: string): Promise<FundingResponseDto> {
    for (;;) {
      const { campaign, funding } = await this.dataSource.transaction((m) => this.openFunding(m, user, campaignId));
      if (!this.matches(funding, campaign)) {
        await this.retire(funding);
        continue;
      }
      if (!funding.stripeCheckoutSessionId) {
        await this.recordSession(funding, await this.createSession(campaign, funding));
      } else if ((await this.sessionStatus(funding)) !== 'open') {
        await this.markExpired(funding);
        continue;
      }
      return {
        fundingId: funding.id,
        amountCents: funding.amountCents,
        checkoutUrl: funding.checkoutUrl!,
        stripeCheckoutSessionId: funding.stripeCheckoutSessionId!,
      };
    }
  }

  /**
   * Returns the campaign's open funding, creating it if there is none. The campaign row lock
   * serialises concurrent calls, and a partial unique index allows one pending-or-paid funding.
   */
  private async openFunding(m: EntityManager, user: AuthUser, campaignId: string): Promise<{ campaign: Campaign; funding: Funding }> {
    const campaign = await findCampaignFor(m, user, campaignId, 'pessimistic_write');
    // An ended campaign may never have been paid (a draft cancelled before funding): not "already funded".
    if (campaign.status === CampaignStatus.Ended) {
      throw new DomainError(ErrorCode.InvalidTransition, 'The campaign has ended; it can no longer be funded', { status: campaign.status });
    }
    if (campaign.status !== CampaignStatus.Draft) {
      throw new DomainError(ErrorCode.CampaignAlreadyFunded, `The campaign is already funded (it is ${campaign.status})`, {
        status: campaign.status,
      });
    }
    // Paying would fund a campaign that ends at once and refund it in full (the processing fee lost).
    if (campaign.endsAt.getTime() <= Date.now()) {
      throw new DomainError(ErrorCode.InvalidTransition, 'The campaign’s endsAt has passed: move it before funding', { endsAt: campaign.endsAt.toISOString() });
    }
    const fundings = m.getRepository(Funding);
    const open = await fundings.findOne({ where: { campaignId, status: 'pending' } });
    if (open) return { campaign, funding: open };
    if (campaign.totalUnits === 0) throw new DomainError(ErrorCode.InvalidTransition, 'A campaign with no units has nothing to fund');
    const unitsCents = campaign.totalUnits * campaign.unitCostCents;
    const feeCents = platformFeeCents(unitsCents, this.config.platformFeeBps);
    const funding = await fundings.save(
      fundings.create({
        campaignId,
        fundedUnits: campaign.totalUnits,
        unitCostCents: campaign.unitCostCents,
        feeBps: this.config.platformFeeBps,
        unitsCents,
        feeCents,
        amountCents: unitsCents + feeCents,
        currency: CURRENCY,
      }),
    );
    // Priced at another fee rate (PLATFORM_FEE_BPS changed since): the draft shows what checkout charges.
    if (campaign.fundingRequiredCents !== funding.amountCents) {
      await m.update(Campaign, { id: campaign.id }, { fundingRequiredCents: funding.amountCents });
      campaign.fundingRequiredCents = funding.amountCents;
    }
    return { campaign, funding };
  }

  /** An open funding still fits the draft if units, unit cost and fee rate are unchanged. */
  private matches(funding: Funding, campaign: Campaign): boolean {
    return (
      funding.fundedUnits === campaign.totalUnits &&
      funding.unitCostCents === campaign.unitCostCents &&
      funding.feeBps === this.config.platformFeeBps
    );
  }

  private createSession(campaign: Campaign, funding: Funding): Promise<Stripe.Checkout.Session> {
    const metadata = { campaignId: campaign.id, fundingId: funding.id };
    const lineItems: Stripe.Checkout.SessionCreateParams.LineItem[] = [
      {
        quantity: funding.fundedUnits,
        price_data: { currency: CURRENCY, unit_amount: funding.unitCostCents, product_data: { name: `${campaign.perkTitle} (${campaign.name})` } },
      },
    ];
    if (funding.feeCents > 0) {
      lineItems.push({
        quantity: 1,
        price_data: { currency: CURRENCY, unit_amount: funding.feeCents, product_data: { name: `Platform fee (${funding.feeBps / 100}%)` } },
      });
    }
    const base = this.config.publicUrl;
    return this.stripe.call('checkout session create', (stripe) =>
      stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: lineItems,
          client_reference_id: campaign.id,
          metadata,
          payment_intent_data: { metadata },
          success_url: `${base}/campaigns/${campaign.id}?funding=success`,
          cancel_url: `${base}/campaigns/${campaign.id}?funding=cancelled`,
        },
        { idempotencyKey: `funding-${funding.id}` },
      ),
    );
  }

  private async recordSession(funding: Funding, session: Stripe.Checkout.Session): Promise<void> {
    await this.dataSource.query(
      `UPDATE fundings SET stripe_checkout_session_id = $2, checkout_url = $3, updated_at = now()
       WHERE id = $1 AND stripe_checkout_session_id IS NULL`,
      [funding.id, session.id, session.url],
    );
    funding.stripeCheckoutSessionId = session.id;
    funding.checkoutUrl = session.url;
  }

  /**
   * The draft changed since this funding was opened: expire its session at Stripe first (so it
   * can no longer be paid), then mark it expired so a new one is created for the new amount.
   */
  private async retire(funding: Funding): Promise<void> {
    if (funding.stripeCheckoutSessionId && (await this.sessionStatus(funding)) === 'open') {
      const sessionId = funding.stripeCheckoutSessionId;
      await this.stripe.call('checkout session expire', (stripe) => stripe.checkout.sessions.expire(sessionId)).catch(async (error: unknown) => {
        // Refused when it is no longer open: a concurrent call expired it first (fine), or it was
        // just paid (sessionStatus says so). Only a session still open is a failure to expire.
        if ((await this.sessionStatus(funding)) === 'open') throw error;
      });
    }
    await this.markExpired(funding);
  }

  /**
   * The session's status at Stripe, which may have expired it (after 24 hours) before its event
   * reached us. A completed one is being confirmed: nothing new may be opened meanwhile.
   * The status is only believed from a session that names this funding in its metadata, as Stripe's
   * always does: a stand-in such as stripe-mock answers every retrieve with one fixture session,
   * whose status says nothing about ours. Giving our session up on its word would open a second
   * funding, and the brand's payment of the first would then be refunded in full as stale.
   */
  private async sessionStatus(funding: Funding): Promise<'open' | 'expired'> {
    const sessionId = funding.stripeCheckoutSessionId!;
    const session = await this.stripe.call('checkout session retrieve', (stripe) => stripe.checkout.sessions.retrieve(sessionId));
    if (session.metadata?.fundingId !== funding.id) return 'open';
    if (session.status === 'complete') {
      throw new DomainError(ErrorCode.CampaignAlreadyFunded, 'The checkout was paid; its confirmation is on its way');
    }
    return session.status === 'open' ? 'open' : 'expired';
  }

  private async markExpired(funding: Funding): Promise<void> {
    await this.dataSource.query(`UPDATE fundings SET status = 'expired', updated_at = now() WHERE id = $1 AND status = 'pending'`, [
      funding.id,
    ]);
  }
}
