import { createHmac } from 'node:crypto';
import { ErrorCode } from './errors';

/** Length of the rolling window of the platform-wide claim velocity cap. */
export const VELOCITY_WINDOW_DAYS = 30;
const DAY_MS = 24 * 3600_000;

export interface ClaimAbuseFacts {
  now: Date;
  accountCreatedAt: Date;
  /** the member's claims (cancelled ones excluded) created in the last VELOCITY_WINDOW_DAYS */
  recentClaims: number;
  /** other accounts whose claims on this campaign used the same shipping address fingerprint */
  otherAccountsWithSameAddress: number;
}

export interface ClaimAbuseRules {
  /** claims a member may make across the platform in any rolling window; 0 = no cap */
  velocityCap: number;
  /** the campaign's optional minimum account age, in days */
  minAccountAgeDays?: number | null;
}

export type ClaimAbuseDecision =
  | { outcome: 'accept' }
  /** accepted, but fulfilment waits for an admin: several accounts ship to one address */
  | { outcome: 'hold'; reason: 'shared_shipping_address'; otherAccounts: number }
  | {
      outcome: 'refuse';
      code: ErrorCode.ClaimLimitReached | ErrorCode.NotEligible;
      rule: 'platformVelocity' | 'minAccountAgeDays';
      required: number;
      actual: number;
    };

/** Whole days since the account was created (never negative). */
export function accountAgeDays(createdAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - createdAt.getTime()) / DAY_MS));
}

/**
 * Abuse controls on a claim, decided from facts the caller gathered. Refusals come first (a
 * fresh account on a campaign that requires older ones, a member over the platform-wide
 * velocity cap); a shared shipping address never refuses, it holds the claim for review so a
 * household of genuine members is not turned away silently.
 */
export function decideClaimAbuse(facts: ClaimAbuseFacts, rules: ClaimAbuseRules): ClaimAbuseDecision {
  const age = accountAgeDays(facts.accountCreatedAt, facts.now);
  if (rules.minAccountAgeDays && age < rules.minAccountAgeDays) {
    return { outcome: 'refuse', code: ErrorCode.NotEligible, rule: 'minAccountAgeDays', required: rules.minAccountAgeDays, actual: age };
  }
  if (rules.velocityCap > 0 && facts.recentClaims >= rules.velocityCap) {
    return { outcome: 'refuse', code: ErrorCode.ClaimLimitReached, rule: 'platformVelocity', required: rules.velocityCap, actual: facts.recentClaims };
  }
  return sharedAddressDecision(facts.otherAccountsWithSameAddress);
}

/** The shared-address rule alone, for callers that check it where the address data is locked. */
export function sharedAddressDecision(otherAccountsWithSameAddress: number): Extract<ClaimAbuseDecision, { outcome: 'accept' | 'hold' }> {
  return otherAccountsWithSameAddress > 0
    ? { outcome: 'hold', reason: 'shared_shipping_address', otherAccounts: otherAccountsWithSameAddress }
    : { outcome: 'accept' };
}

export interface AddressLike {
  line1: string;
  line2?: string | null;
  city: string;
  postalCode: string;
  country: string;
}

const ABBREVIATIONS: Record<string, string> = {
  street: 'st',
  str: 'st',
  avenue: 'ave',
  av: 'ave',
  road: 'rd',
  boulevard: 'blvd',
  drive: 'dr',
  lane: 'ln',
  place: 'pl',
  court: 'ct',
  square: 'sq',
  apartment: 'unit',
  apt: 'unit',
  suite: 'unit',
  ste: 'unit',
  flat: 'unit',
  no: '',
  number: '',
};

function normalizePart(value: string | null | undefined): string {
  return (value ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter(Boolean)
    .map((word) => ABBREVIATIONS[word] ?? word)
    .filter(Boolean)
    .join(' ');
}

/**
 * A stable fingerprint of where a parcel goes: case, accents, punctuation, spacing and common
 * street abbreviations do not matter, the recipient's name does not count. An HMAC under the
 * platform's secret `key`: it can be kept after the address itself is gone, and a copy of the
 * database alone cannot confirm a guessed address with it (a plain hash could).
 */
export function shippingAddressFingerprint(address: AddressLike, key: string): string {
  const parts = [
    normalizePart(address.line1),
    normalizePart(address.line2),
    normalizePart(address.city),
    normalizePart(address.postalCode).replace(/ /g, ''),
    normalizePart(address.country),
  ];
  return createHmac('sha256', key).update(parts.join('|')).digest('hex');
}
