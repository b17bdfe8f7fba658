import fc from 'fast-check';
import { fundingRequiredCents, platformFeeCents } from './money';

describe('money', () => {
  describe('platformFeeCents', () => {
    it.each([
      // [unitsCostCents, feeBps, fee]
      [500_000, 1000, 50_000],
      [0, 1000, 0],
      [12_345, 0, 0],
      [5, 1000, 1], // 0.5 rounds half up
      [4, 1000, 0], // 0.4 rounds down
      [15, 1000, 2], // 1.5 → 2
      [14, 1000, 1], // 1.4 → 1
      [1, 5000, 1], // 0.5 → 1
      [1, 4999, 0], // 0.4999 → 0
      [333, 10_000, 333], // 100% fee
      [999_999, 1, 100], // 99.9999 → 100
    ])('fee on %i cents at %i bps is %i', (cost, bps, fee) => {
      expect(platformFeeCents(cost, bps)).toBe(fee);
    });

    it('is exact beyond the float-safe product of cost and bps', () => {
      // 10^13 × 1000 = 10^16 > 2^53: floating point would round; BigInt must not.
      expect(platformFeeCents(10_000_000_000_005, 1000)).toBe(1_000_000_000_001);
    });

    it('agrees with exact rational rounding for any input', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), (cost, bps) => {
          const fee = platformFeeCents(cost, bps);
          const exactTimes2 = (2n * BigInt(cost) * BigInt(bps)) / 10_000n; // floor(2x)
          // round-half-up(x) = floor(x + 1/2) = floor((2x + 1) / 2)
          expect(BigInt(fee)).toBe((exactTimes2 + 1n) / 2n);
        }),
      );
    });

    it.each([
      [-1, 1000],
      [1.5, 1000],
      [100, -1],
      [Number.NaN, 1000],
    ])('refuses %p cents at %p bps', (cost, bps) => {
      expect(() => platformFeeCents(cost, bps)).toThrow(RangeError);
    });
  });

  describe('fundingRequiredCents', () => {
    it('is units × unit cost plus the fee (API.md example: 1000 × 500 at 10%)', () => {
      expect(fundingRequiredCents(1000, 500, 1000)).toBe(550_000);
    });

    it('rounds the fee on the total, not per unit', () => {
      // 3 units × 5 cents = 15 cents; 10% = 1.5 → 2 (per unit it would be 3 × round(0.5) = 3)
      expect(fundingRequiredCents(3, 5, 1000)).toBe(17);
    });

    it('is never below the units cost and never above cost plus the full bps share rounded up', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000 }), (units, cost, bps) => {
          const total = fundingRequiredCents(units, cost, bps);
          const unitsCost = units * cost;
          expect(total).toBeGreaterThanOrEqual(unitsCost);
          expect(total - unitsCost).toBeLessThanOrEqual(Math.ceil((unitsCost * bps) / 10_000) + 1);
          expect(Number.isSafeInteger(total)).toBe(true);
        }),
      );
    });

    it('refuses totals beyond the safe integer range', () => {
      expect(() => fundingRequiredCents(Number.MAX_SAFE_INTEGER, 2, 0)).toThrow(RangeError);
    });
  });
});
