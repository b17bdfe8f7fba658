import { AuditLogEntry } from './audit-log-entry.entity';
import { Brand } from './brand.entity';
import { Campaign } from './campaign.entity';
import { CampaignCode } from './campaign-code.entity';
import { Claim } from './claim.entity';
import { Funding } from './funding.entity';
import { InventoryAdjustment } from './inventory-adjustment.entity';
import { LedgerEntry } from './ledger-entry.entity';
import { MemberProfile } from './member-profile.entity';
import { MatchingRun, MemberScore, ScoreDistribution, ScoreHistoryEntry } from './member-score.entity';
import { Notification } from './notification.entity';
import { Offer } from './offer.entity';
import { OutboxMessage } from './outbox-message.entity';
import { Refund } from './refund.entity';
import { Shipment } from './shipment.entity';
import { StripeEvent } from './stripe-event.entity';
import { RefreshToken } from './refresh-token.entity';
import { User } from './user.entity';

export * from './audit-log-entry.entity';
export * from './brand.entity';
export * from './campaign.entity';
export * from './campaign-code.entity';
export * from './claim.entity';
export * from './funding.entity';
export * from './inventory-adjustment.entity';
export * from './ledger-entry.entity';
export * from './member-profile.entity';
export * from './member-score.entity';
export * from './notification.entity';
export * from './offer.entity';
export * from './outbox-message.entity';
export * from './refund.entity';
export * from './shipment.entity';
export * from './stripe-event.entity';
export * from './refresh-token.entity';
export * from './user.entity';

/** Every entity; add new ones here so the DataSource and the test helpers see them. */
export const ENTITIES = [
  AuditLogEntry,
  Brand,
  Campaign,
  CampaignCode,
  Claim,
  Funding,
  InventoryAdjustment,
  LedgerEntry,
  MatchingRun,
  MemberProfile,
  MemberScore,
  ScoreDistribution,
  ScoreHistoryEntry,
  Notification,
  Offer,
  OutboxMessage,
  Refund,
  Shipment,
  StripeEvent,
  RefreshToken,
  User,
];
