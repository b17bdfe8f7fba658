/** Response shapes from /work/shared/API.md, as the console reads them. */
export type Role = 'member' | 'brand' | 'admin';
export type PerkKind = 'digital_code' | 'physical' | 'experience';
export type CampaignStatus = 'draft' | 'funded' | 'scheduled' | 'active' | 'paused' | 'ended' | 'sold_out';
export type ReviewStatus = 'pending' | 'approved' | 'rejected';
export type ClaimStatus = 'pending' | 'fulfilled' | 'failed' | 'cancelled';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Me {
  id: string;
  email: string;
  role: Role;
  displayName: string | null;
  brandId: string | null;
}

export interface TokenPair {
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
}

export interface EligibilityRules {
  provider: string;
  minScore?: number;
  minPercentile?: number;
  topics?: string[];
  minTopicScore?: number;
  countries?: string[];
  minAge?: number;
  /** set through the API only; the builder keeps it as it is */
  minAccountAgeDays?: number;
}

export interface Perk {
  kind: PerkKind;
  title: string;
  unitCostCents: number;
}

export interface Campaign {
  id: string;
  status: CampaignStatus;
  reviewStatus: ReviewStatus;
  reviewReason?: string | null;
  name: string;
  description?: string;
  perk: Perk;
  totalUnits: number;
  perMemberLimit: number;
  startsAt: string | null;
  endsAt: string;
  eligibility: EligibilityRules;
  fundingRequiredCents: number;
  createdAt: string;
}

export interface CampaignInput {
  name: string;
  description: string;
  perk: Perk;
  totalUnits: number;
  perMemberLimit: number;
  startsAt: string | null;
  endsAt: string;
  eligibility: EligibilityRules;
}

export interface Audience {
  eligibleMembers: number;
  byCountry: Record<string, number>;
  byTopic: Record<string, number>;
}

export interface Funding {
  fundingId: string;
  amountCents: number;
  checkoutUrl: string;
  stripeCheckoutSessionId: string;
}

/** `GET /campaigns/:id/stats`; `claimsByDay` (live claims per UTC day) is our addition to the contract. */
export interface CampaignStats {
  totalUnits: number;
  claimedUnits: number;
  fulfilledUnits: number;
  failedUnits: number;
  remainingUnits: number;
  eligibleMembers: number;
  offeredMembers: number;
  fundedCents: number;
  refundedCents: number;
  claimsByCountry: Record<string, number> | { country: string; count: number }[];
  claimsByDay?: Record<string, number> | { day: string; count: number }[];
}

export interface Inventory {
  totalUnits: number;
  claimedUnits: number;
  availableUnits: number;
  codesLoaded: number;
  codesAssigned: number;
}

export interface InventoryAdjustment {
  id: string;
  adminId: string;
  delta: number;
  reason: string;
  totalUnitsBefore: number;
  totalUnitsAfter: number;
  createdAt: string;
}

export interface LedgerEntry {
  id: string;
  kind: string;
  /** signed: positive reaches the platform, negative leaves it */
  amountCents: number;
  currency?: string;
  description?: string;
  stripeObjectId?: string;
  createdAt: string;
}

export interface MemberPerk {
  campaignId: string;
  title: string;
  kind: PerkKind;
  brandName: string;
  endsAt: string;
  remainingUnits: number;
  status: 'available' | 'claimed' | 'sold_out';
}

export interface EligibilityReason {
  rule: string;
  required: unknown;
  actual: unknown;
}

export interface Eligibility {
  eligible: boolean;
  reasons: EligibilityReason[];
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface Fulfillment {
  code?: string;
  trackingNumber?: string;
  invitation?: string;
}

export interface Claim {
  id: string;
  campaignId: string;
  /** in GET /me/claims and GET /claims/:id, not in the answer to a new claim */
  perkTitle?: string;
  status: ClaimStatus;
  fulfillment?: Fulfillment | null;
  createdAt: string;
  fulfilledAt?: string | null;
  failureReason?: string | null;
}

export interface AdminClaim extends Claim {
  memberId: string;
  perkKind: PerkKind;
  failureReason: string | null;
  fulfillmentRound: number;
  updatedAt: string;
}

export interface ClaimHold {
  claimId: string;
  campaignId: string;
  memberId: string;
  reason: string;
  otherAccounts: number;
  claimStatus: string;
  createdAt: string;
}

export interface Shipment {
  id: string;
  claimId: string;
  provider: string;
  status: 'requested' | 'submitted' | 'shipped' | 'cancelled';
  address: ShippingAddress | null;
  carrier: string | null;
  trackingNumber: string | null;
  createdAt: string;
  shippedAt: string | null;
}

export interface Profile {
  country: string;
  birthDate: string;
  optedIn: boolean;
}

export interface ProviderScore {
  provider: string;
  score: number;
  percentile: number | null;
  topics: { topic: string; score: number }[];
  scoredAt: string;
}

export interface Notification {
  id: string;
  kind?: string;
  title: string;
  data?: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}
