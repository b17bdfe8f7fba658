export enum Role {
  Member = 'member',
  Brand = 'brand',
  Admin = 'admin',
}

export enum PerkKind {
  DigitalCode = 'digital_code',
  Physical = 'physical',
  Experience = 'experience',
}

/** Stored lifecycle status; `sold_out` is derived for display (see API.md). */
export enum CampaignStatus {
  Draft = 'draft',
  Funded = 'funded',
  Scheduled = 'scheduled',
  Active = 'active',
  Paused = 'paused',
  Ended = 'ended',
}

export enum ReviewStatus {
  Pending = 'pending',
  Approved = 'approved',
  Rejected = 'rejected',
}

export enum ClaimStatus {
  Pending = 'pending',
  Fulfilled = 'fulfilled',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

/** Campaign targeting rules as API.md defines them; every field but `provider` is optional. */
export interface EligibilityRules {
  provider: string;
  minScore?: number;
  minPercentile?: number;
  topics?: string[];
  minTopicScore?: number;
  countries?: string[];
  minAge?: number;
  /** the claiming account must be at least this many days old (abuse control, checked at claim time) */
  minAccountAgeDays?: number;
}
