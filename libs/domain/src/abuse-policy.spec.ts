import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { accountAgeDays, ClaimAbuseFacts, decideClaimAbuse, shippingAddressFingerprint } from './abuse-policy';
import { ErrorCode } from './errors';

const NOW = new Date('2026-11-26T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);
const facts = (overrides: Partial<ClaimAbuseFacts> = {}): ClaimAbuseFacts => ({
  now: NOW,
  accountCreatedAt: daysAgo(100),
  recentClaims: 0,
  otherAccountsWithSameAddress: 0,
  ...overrides,
});

describe('decideClaimAbuse', () => {
  it('accepts an ordinary claim', () => {
    expect(decideClaimAbuse(facts(), { velocityCap: 10 })).toEqual({ outcome: 'accept' });
  });

  it('refuses at the platform velocity cap with CLAIM_LIMIT_REACHED, and 0 turns the cap off', () => {
    expect(decideClaimAbuse(facts({ recentClaims: 9 }), { velocityCap: 10 }).outcome).toBe('accept');
    expect(decideClaimAbuse(facts({ recentClaims: 10 }), { velocityCap: 10 })).toEqual({
      outcome: 'refuse',
      code: ErrorCode.ClaimLimitReached,
      rule: 'platformVelocity',
      required: 10,
      actual: 10,
    });
    expect(decideClaimAbuse(facts({ recentClaims: 10_000 }), { velocityCap: 0 }).outcome).toBe('accept');
  });

  it('refuses accounts younger than the campaign minimum with NOT_ELIGIBLE; no rule, no refusal', () => {
    const young = facts({ accountCreatedAt: daysAgo(6.5) });
    expect(decideClaimAbuse(young, { velocityCap: 0, minAccountAgeDays: 7 })).toEqual({
      outcome: 'refuse',
      code: ErrorCode.NotEligible,
      rule: 'minAccountAgeDays',
      required: 7,
      actual: 6,
    });
    expect(decideClaimAbuse(facts({ accountCreatedAt: daysAgo(7) }), { velocityCap: 0, minAccountAgeDays: 7 }).outcome).toBe('accept');
    expect(decideClaimAbuse(young, { velocityCap: 0, minAccountAgeDays: null }).outcome).toBe('accept');
  });

  it('holds (never refuses) a claim whose address other accounts already used on the campaign', () => {
    expect(decideClaimAbuse(facts({ otherAccountsWithSameAddress: 2 }), { velocityCap: 10 })).toEqual({
      outcome: 'hold',
      reason: 'shared_shipping_address',
      otherAccounts: 2,
    });
  });

  it('is monotonic: more recent claims or a younger account never turn a refusal into an acceptance', () => {
    fc.assert(
      fc.property(
        fc.nat(200),
        fc.nat(50),
        fc.nat(400),
        fc.nat(30),
        fc.nat(5),
        fc.option(fc.integer({ min: 1, max: 365 })),
        (claims, extraClaims, ageDays, fewerDays, others, minAge) => {
          const rules = { velocityCap: 20, minAccountAgeDays: minAge };
          const base = decideClaimAbuse(facts({ recentClaims: claims, accountCreatedAt: daysAgo(ageDays), otherAccountsWithSameAddress: others }), rules);
          const worse = decideClaimAbuse(
            facts({ recentClaims: claims + extraClaims, accountCreatedAt: daysAgo(Math.max(0, ageDays - fewerDays)), otherAccountsWithSameAddress: others }),
            rules,
          );
          return base.outcome !== 'refuse' || worse.outcome === 'refuse';
        },
      ),
      { seed: 1126 },
    );
  });
});

describe('accountAgeDays', () => {
  it('counts whole days and never goes negative', () => {
    expect(accountAgeDays(daysAgo(1.99), NOW)).toBe(1);
    expect(accountAgeDays(new Date(NOW.getTime() + 1000), NOW)).toBe(0);
  });
});

describe('shippingAddressFingerprint', () => {
  const KEY = 'fingerprint-key';
  const home = { name: 'Ada Lovelace', line1: '12 Baker Street', line2: 'Apartment 4', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };

  it('ignores case, accents, punctuation, spacing, common abbreviations and the recipient name', () => {
    const same = shippingAddressFingerprint(home, KEY);
    expect(shippingAddressFingerprint({ ...home, line1: '12, baker  st.', line2: 'apt. 4', postalCode: 'nw16xe', country: 'gb' }, KEY)).toBe(same);
    expect(shippingAddressFingerprint({ ...home, name: 'Someone Else' } as typeof home, KEY)).toBe(same);
    expect(shippingAddressFingerprint({ ...home, city: 'LÖNDON' }, KEY)).toBe(same);
    expect(shippingAddressFingerprint({ ...home, line1: '12 Bäker Street' }, KEY)).toBe(shippingAddressFingerprint({ ...home, line1: '12 Baker Street' }, KEY));
  });

  it('is keyed: a plain hash of the normalised address, or another key, does not find it', () => {
    const plain = { line1: '7 quiet', line2: '', city: 'oslo', postalCode: '0150', country: 'se' };
    const normalised = '7 quiet||oslo|0150|se';
    expect(shippingAddressFingerprint(plain, KEY)).toBe(createHmac('sha256', KEY).update(normalised).digest('hex'));
    expect(shippingAddressFingerprint(plain, KEY)).not.toBe(createHash('sha256').update(normalised).digest('hex'));
    expect(shippingAddressFingerprint(home, 'another-key')).not.toBe(shippingAddressFingerprint(home, KEY));
  });

  it('tells different places apart', () => {
    const base = shippingAddressFingerprint(home, KEY);
    expect(shippingAddressFingerprint({ ...home, line1: '14 Baker Street' }, KEY)).not.toBe(base);
    expect(shippingAddressFingerprint({ ...home, line2: 'Apartment 5' }, KEY)).not.toBe(base);
    expect(shippingAddressFingerprint({ ...home, postalCode: 'NW1 6XF' }, KEY)).not.toBe(base);
    expect(shippingAddressFingerprint({ ...home, country: 'IE' }, KEY)).not.toBe(base);
  });

  it('is stable under random re-spacing and re-casing of every field', () => {
    const reshape = fc.func(fc.boolean());
    fc.assert(
      fc.property(reshape, (flip) => {
        const mangle = (value: string) =>
          [...value].map((c, i) => (flip(i) ? c.toUpperCase() : c.toLowerCase())).join('').replace(/ /g, flip(-1) ? '  ' : ' , ');
        const mangled = { line1: mangle(home.line1), line2: mangle(home.line2), city: mangle(home.city), postalCode: mangle(home.postalCode), country: mangle(home.country) };
        return shippingAddressFingerprint(mangled, KEY) === shippingAddressFingerprint(home, KEY);
      }),
      { seed: 1126 },
    );
  });
});
