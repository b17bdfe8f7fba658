import fc from 'fast-check';
import { fundingRequiredCents, platformFeeCents } from './money';
import { PaidFunding, PreviousRefunds, quoteRefund } from './refund-policy';

const funding = (units: number, unitCost: number, feeBps = 1000): PaidFunding => {
  const unitsCents = units * unitCost;
  return { fundedUnits: units, unitCostCents: unitCost, unitsCents, feeCents: platformFeeCents(unitsCents, feeBps) };
};

/** The end's refund and its top-ups as claimed units fall to each count in turn, after `elsewhere` was refunded by hand. */
function refundInSteps(f: PaidFunding, counts: number[], elsewhere: number): { previous: PreviousRefunds; refunded: number } {
  const previous = { unusedUnits: 0, unitsCents: 0, feeCents: 0 };
  let refunded = elsewhere;
  for (const claimed of counts) {
    const quote = quoteRefund(f, claimed, refunded, previous);
    previous.unusedUnits += quote.unusedUnits;
    previous.unitsCents += quote.unitsCents;
    previous.feeCents += quote.feeCents;
    refunded += quote.amountCents;
  }
  return { previous, refunded: refunded - elsewhere };
}

/** A funded campaign, and its claimed units after the end, falling as claims fail or are cancelled. */
const endedCampaign = fc
  .record({
    units: fc.integer({ min: 1, max: 1000 }),
    unitCost: fc.integer({ min: 1, max: 100_000 }),
    bps: fc.integer({ min: 0, max: 10_000 }),
    seeds: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
  })
  .map(({ units, unitCost, bps, seeds }) => ({
    f: funding(units, unitCost, bps),
    counts: seeds.map((seed) => seed % (units + 1)).sort((a, b) => b - a),
  }));

describe('quoteRefund', () => {
  it('refunds everything, fee included, when no unit was used', () => {
    const f = funding(1000, 500);
    expect(quoteRefund(f, 0, 0)).toEqual({ unusedUnits: 1000, unitsCents: 500000, feeCents: 50000, amountCents: 550000 });
    expect(quoteRefund(f, 0, 0).amountCents).toBe(fundingRequiredCents(1000, 500, 1000));
  });

  it('refunds the unused units and the same share of the fee, rounded down', () => {
    // fee 333 on 3 units: one unused unit gets 111 back
    expect(quoteRefund(funding(3, 1110, 1000), 2, 0)).toEqual({ unusedUnits: 1, unitsCents: 1110, feeCents: 111, amountCents: 1221 });
    expect(quoteRefund(funding(7, 3, 1000), 4, 0)).toEqual({ unusedUnits: 3, unitsCents: 9, feeCents: 0, amountCents: 9 });
  });

  it('refunds nothing when every unit was claimed, or more were claimed than funded', () => {
    expect(quoteRefund(funding(10, 500), 10, 0).amountCents).toBe(0);
    expect(quoteRefund(funding(10, 500), 12, 0).amountCents).toBe(0);
  });

  it('takes refunds made elsewhere (the Dashboard) off what the policy owes, from the fee first', () => {
    expect(quoteRefund(funding(10, 500), 0, 5000)).toEqual({ unusedUnits: 10, unitsCents: 500, feeCents: 0, amountCents: 500 });
    expect(quoteRefund(funding(10, 500), 0, 5500).amountCents).toBe(0);
    // 3 units × 15 + fee 5 = 50 paid, 1 unit used: 30 + 3 owed; 30 refunded by hand already
    expect(quoteRefund(funding(3, 15, 1200), 1, 30)).toEqual({ unusedUnits: 2, unitsCents: 3, feeCents: 0, amountCents: 3 });
    expect(quoteRefund(funding(3, 15, 1200), 1, 40).amountCents).toBe(0);
  });

  it('refunds in all, with refunds made elsewhere, what the policy owes at the final count, or what was refunded elsewhere if more (property)', () => {
    fc.assert(
      fc.property(endedCampaign, fc.nat(), ({ f, counts }, elsewhereSeed) => {
        const elsewhere = elsewhereSeed % (f.unitsCents + f.feeCents + 1);
        const { refunded } = refundInSteps(f, counts, elsewhere);
        expect(elsewhere + refunded).toBe(Math.max(quoteRefund(f, counts.at(-1)!, 0).amountCents, elsewhere));
      }),
    );
  });

  it('quotes only what earlier refunds did not cover when units come back after the end (top-up)', () => {
    const f = funding(3, 1110, 1000);
    const first = quoteRefund(f, 2, 0);
    // one of the two claims fails after the end: one more unit and its fee share are owed
    const topUp = quoteRefund(f, 1, first.amountCents, first);
    expect(topUp).toEqual({ unusedUnits: 1, unitsCents: 1110, feeCents: 111, amountCents: 1221 });
    expect(quoteRefund(f, 2, first.amountCents, first).amountCents).toBe(0);
  });

  it('pays out by top-ups exactly what one refund at the final count would have (property)', () => {
    fc.assert(
      fc.property(endedCampaign, ({ f, counts }) => {
        const { previous, refunded } = refundInSteps(f, counts, 0);
        const once = quoteRefund(f, counts.at(-1)!, 0);
        expect(previous).toEqual({ unusedUnits: once.unusedUnits, unitsCents: once.unitsCents, feeCents: once.feeCents });
        expect(refunded).toBe(once.amountCents);
      }),
    );
  });

  it('refuses negative or fractional inputs', () => {
    expect(() => quoteRefund(funding(10, 500), -1, 0)).toThrow(RangeError);
    expect(() => quoteRefund({ ...funding(10, 500), feeCents: 1.5 }, 0, 0)).toThrow(RangeError);
  });

  it('never refunds more than what was paid, and never more than the unused share (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.nat(),
        (units, unitCost, bps, claimed, earlierSeed) => {
          const f = funding(units, unitCost, bps);
          const paid = f.unitsCents + f.feeCents;
          const earlier = paid === 0 ? 0 : earlierSeed % (paid + 1);
          const quote = quoteRefund(f, claimed, earlier);
          expect(quote.amountCents).toBe(quote.unitsCents + quote.feeCents);
          expect(earlier + quote.amountCents).toBeLessThanOrEqual(paid);
          expect(quote.unitsCents).toBeLessThanOrEqual(Math.max(0, units - claimed) * unitCost);
          expect(quote.feeCents).toBeLessThanOrEqual(f.feeCents);
          expect(Math.min(quote.unitsCents, quote.feeCents)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
