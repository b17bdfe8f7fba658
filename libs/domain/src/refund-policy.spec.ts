import fc from 'fast-check';
import { fundingRequiredCents, platformFeeCents } from './money';
import { PaidFunding, quoteRefund } from './refund-policy';

const funding = (units: number, unitCost: number, feeBps = 1000): PaidFunding => {
  const unitsCents = units * unitCost;
  return { fundedUnits: units, unitCostCents: unitCost, unitsCents, feeCents: platformFeeCents(unitsCents, feeBps) };
};

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

  it('caps the refund by what is left after earlier refunds, taking from the fee first', () => {
    expect(quoteRefund(funding(10, 500), 0, 5000)).toEqual({ unusedUnits: 10, unitsCents: 500, feeCents: 0, amountCents: 500 });
    expect(quoteRefund(funding(10, 500), 0, 5500).amountCents).toBe(0);
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
