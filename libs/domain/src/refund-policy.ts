/** What was paid for a campaign, frozen on its funding when the checkout session was created. */
export interface PaidFunding {
  fundedUnits: number;
  unitCostCents: number;
  unitsCents: number;
  feeCents: number;
}

/** What the platform's earlier refunds of one funding covered, summed. */
export interface PreviousRefunds {
  unusedUnits: number;
  unitsCents: number;
  feeCents: number;
}

const NO_REFUNDS: PreviousRefunds = { unusedUnits: 0, unitsCents: 0, feeCents: 0 };

export interface RefundQuote {
  unusedUnits: number;
  unitsCents: number;
  feeCents: number;
  amountCents: number;
}

/**
 * The refund owed when a campaign ends, by call, at `endsAt` or cancelled before launch.
 *
 * Policy: every funded unit that no claim holds is refunded at the unit cost paid, and the
 * platform fee is refunded in the same proportion (`fee × unused / funded`, rounded down, so
 * a fully unused campaign gets its whole fee back and a partly used one never more than its
 * share). Units count as used while a claim holds them (pending or fulfilled); a claim that
 * failed for good has already returned its unit. Units an admin added beyond the funded
 * budget are never refunded (they were not paid for).
 *
 * Units can come back after the end: a claim still pending then fails, or an admin cancels it.
 * The next quote then owes the difference: `previous` is what the platform's own earlier refunds
 * of this funding covered, and only the part of the policy's amount they did not is quoted (a
 * top-up refund).
 *
 * Refunds made elsewhere (the Stripe Dashboard, a chargeback) are part of what the policy owes,
 * not on top of it: `alreadyRefundedCents` beyond the platform's own refunds is taken off the
 * quote, from the fee share first. A brand refunded by hand for its unused units is not refunded
 * again at the end, and never gets back units it used. The total never exceeds what was paid.
 */
export function quoteRefund(funding: PaidFunding, claimedUnits: number, alreadyRefundedCents: number, previous: PreviousRefunds = NO_REFUNDS): RefundQuote {
  const inputs = {
    fundedUnits: funding.fundedUnits,
    unitCostCents: funding.unitCostCents,
    unitsCents: funding.unitsCents,
    feeCents: funding.feeCents,
    claimedUnits,
    alreadyRefundedCents,
    previousUnusedUnits: previous.unusedUnits,
    previousUnitsCents: previous.unitsCents,
    previousFeeCents: previous.feeCents,
  };
  for (const [name, value] of Object.entries(inputs)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
  const unusedUnits = Math.max(0, funding.fundedUnits - claimedUnits);
  const fullUnits = unusedUnits * funding.unitCostCents;
  const fullFee =
    funding.fundedUnits === 0 ? 0 : Number((BigInt(funding.feeCents) * BigInt(unusedUnits)) / BigInt(funding.fundedUnits));
  const owedUnits = Math.max(0, fullUnits - previous.unitsCents);
  const owedFee = Math.max(0, fullFee - previous.feeCents);
  const elsewhere = Math.max(0, alreadyRefundedCents - previous.unitsCents - previous.feeCents);
  const feeCovered = Math.min(elsewhere, owedFee);
  const unitsCovered = Math.min(elsewhere - feeCovered, owedUnits);
  const refundable = Math.max(0, funding.unitsCents + funding.feeCents - alreadyRefundedCents);
  const unitsCents = Math.min(owedUnits - unitsCovered, refundable);
  const feeCents = Math.min(owedFee - feeCovered, refundable - unitsCents);
  return { unusedUnits: Math.max(0, unusedUnits - previous.unusedUnits), unitsCents, feeCents, amountCents: unitsCents + feeCents };
}
