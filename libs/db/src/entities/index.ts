import { Brand } from './brand.entity';
import { Campaign } from './campaign.entity';
import { CampaignCode } from './campaign-code.entity';
import { Claim } from './claim.entity';
import { InventoryAdjustment } from './inventory-adjustment.entity';
import { MemberProfile } from './member-profile.entity';
import { Notification } from './notification.entity';
import { Offer } from './offer.entity';
import { OutboxMessage } from './outbox-message.entity';
import { User } from './user.entity';

export * from './brand.entity';
export * from './campaign.entity';
export * from './campaign-code.entity';
export * from './claim.entity';
export * from './inventory-adjustment.entity';
export * from './member-profile.entity';
export * from './notification.entity';
export * from './offer.entity';
export * from './outbox-message.entity';
export * from './user.entity';

/** Every entity; add new ones here so the DataSource and the test helpers see them. */
export const ENTITIES = [
  Brand,
  Campaign,
  CampaignCode,
  Claim,
  InventoryAdjustment,
  MemberProfile,
  Notification,
  Offer,
  OutboxMessage,
  User,
];
