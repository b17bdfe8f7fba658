import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { Funding } from '@app/db';
import { UUID } from '@app/domain';

/**
 * The funding a Stripe object is about, row-locked, or null. Our own `metadata.fundingId` decides
 * when the object carries it (sessions, and charges, which copy their payment intent's);
 * otherwise Stripe's id, but only while exactly one funding has it: a stand-in such as
 * stripe-mock gives every payment the same ids, and a guess would book another campaign's money.
 */
export async function lockFundingOf(
  m: EntityManager,
  metadata: Stripe.Metadata | null | undefined,
  by: 'stripeCheckoutSessionId' | 'stripePaymentIntentId',
  stripeId: string | null,
): Promise<Funding | null> {
  const fundings = m.getRepository(Funding);
  const fundingId = metadata?.fundingId;
  if (typeof fundingId === 'string' && UUID.test(fundingId)) return fundings.findOne({ where: { id: fundingId }, lock: { mode: 'pessimistic_write' } });
  if (!stripeId) return null;
  const found = await fundings.find({ where: { [by]: stripeId }, take: 2, lock: { mode: 'pessimistic_write' } });
  return found.length === 1 ? found[0] : null;
}
