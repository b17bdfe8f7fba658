import { InitialSchema1764115200000 } from './1764115200000-initial-schema';
import { ScoresAndMatching1764115400000 } from './1764115400000-scores-and-matching';
import { MemberScoresProfileCopy1764115400001 } from './1764115400001-member-scores-profile-copy';
import { MatchingRunsByBlock1764115400002 } from './1764115400002-matching-runs-by-block';
import { ClaimsFulfillment1764115500000 } from './1764115500000-claims-fulfillment';
import { Payments1764115600000 } from './1764115600000-payments';
import { SessionsAndAudit1764115700000 } from './1764115700000-sessions-and-audit';
import { ClaimIdsV71764115800000 } from './1764115800000-claim-ids-v7';
import { RefundTopUps1764115900000 } from './1764115900000-refund-top-ups';
import { AdjustmentsInLockOrder1764116000000 } from './1764116000000-adjustments-in-lock-order';
import { FundedCampaignsEnd1764116300000 } from './1764116300000-funded-campaigns-end';
import { InterpolatedPercentiles1764116200000 } from './1764116200000-interpolated-percentiles';
import { StripeIdsPerFunding1764116100000 } from './1764116100000-stripe-ids-per-funding';
import { AuditLogFilters1764116400000 } from './1764116400000-audit-log-filters';
import { CampaignListFilters1764116500000 } from './1764116500000-campaign-list-filters';
import { SessionStartLookup1764116600000 } from './1764116600000-session-start-lookup';
import { AdjustmentIdempotencyKeys1764116700000 } from './1764116700000-adjustment-idempotency-keys';
import { OfferNotificationsByCampaign1764116800000 } from './1764116800000-offer-notifications-by-campaign';
import { EndedSessionsLookup1764116900000 } from './1764116900000-ended-sessions-lookup';

/** Every migration in order; listed explicitly so bundled builds and the CLI see the same set. */
export const MIGRATIONS = [InitialSchema1764115200000, ScoresAndMatching1764115400000, MemberScoresProfileCopy1764115400001, MatchingRunsByBlock1764115400002, ClaimsFulfillment1764115500000, Payments1764115600000, SessionsAndAudit1764115700000, ClaimIdsV71764115800000, RefundTopUps1764115900000, AdjustmentsInLockOrder1764116000000, StripeIdsPerFunding1764116100000, InterpolatedPercentiles1764116200000, FundedCampaignsEnd1764116300000, AuditLogFilters1764116400000, CampaignListFilters1764116500000, SessionStartLookup1764116600000, AdjustmentIdempotencyKeys1764116700000, OfferNotificationsByCampaign1764116800000, EndedSessionsLookup1764116900000];
