import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Campaign } from '@app/db';
import { CampaignStatus, displayStatus, DisplayStatus, EligibilityRules, PerkKind, ReviewStatus } from '@app/domain';
import { PageQueryDto } from '@app/platform';

const DISPLAY_STATUSES: DisplayStatus[] = [...Object.values(CampaignStatus), 'sold_out'];

export class PerkView {
  @ApiProperty({ enum: PerkKind }) kind: PerkKind;
  @ApiProperty() title: string;
  @ApiProperty({ type: 'integer' }) unitCostCents: number;
}

export class EligibilityView implements EligibilityRules {
  @ApiProperty() provider: string;
  @ApiPropertyOptional() minScore?: number;
  @ApiPropertyOptional() minPercentile?: number;
  @ApiPropertyOptional({ type: [String] }) topics?: string[];
  @ApiPropertyOptional() minTopicScore?: number;
  @ApiPropertyOptional({ type: [String] }) countries?: string[];
  @ApiPropertyOptional({ type: 'integer' }) minAge?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'the claiming account must be at least this many days old' }) minAccountAgeDays?: number;
}

/** A campaign as brands and admins see it (API.md). */
export class CampaignDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: DISPLAY_STATUSES }) status: DisplayStatus;
  @ApiProperty({ enum: ReviewStatus }) reviewStatus: ReviewStatus;
  @ApiProperty({ nullable: true, type: String, description: 'why an admin rejected the campaign' }) reviewReason: string | null;
  @ApiProperty() brandId: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: PerkView }) perk: PerkView;
  @ApiProperty({ type: 'integer' }) totalUnits: number;
  @ApiProperty({ type: 'integer' }) perMemberLimit: number;
  @ApiProperty({ nullable: true, type: String, description: 'null until launch when not set' }) startsAt: string | null;
  @ApiProperty() endsAt: string;
  @ApiProperty({ type: EligibilityView }) eligibility: EligibilityView;
  @ApiProperty({ type: 'integer' }) fundingRequiredCents: number;
  @ApiProperty({ nullable: true, type: String }) launchedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) endedAt: string | null;
  @ApiProperty() createdAt: string;

  static from(campaign: Campaign): CampaignDto {
    return {
      id: campaign.id,
      status: displayStatus(campaign.status, campaign.totalUnits, campaign.claimedUnits),
      reviewStatus: campaign.reviewStatus,
      reviewReason: campaign.reviewReason,
      brandId: campaign.brandId,
      name: campaign.name,
      description: campaign.description,
      perk: { kind: campaign.perkKind, title: campaign.perkTitle, unitCostCents: campaign.unitCostCents },
      totalUnits: campaign.totalUnits,
      perMemberLimit: campaign.perMemberLimit,
      startsAt: campaign.startsAt?.toISOString() ?? null,
      endsAt: campaign.endsAt.toISOString(),
      eligibility: campaign.eligibility,
      fundingRequiredCents: campaign.fundingRequiredCents,
      launchedAt: campaign.launchedAt?.toISOString() ?? null,
      endedAt: campaign.endedAt?.toISOString() ?? null,
      createdAt: campaign.createdAt.toISOString(),
    };
  }
}

/** `GET /campaigns` filters; `status` is the status the list shows (`sold_out` is an active campaign with no unit left). */
export class CampaignsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DISPLAY_STATUSES }) @IsOptional() @IsIn(DISPLAY_STATUSES) status?: DisplayStatus;
  @ApiPropertyOptional({ enum: ReviewStatus }) @IsOptional() @IsIn(Object.values(ReviewStatus)) reviewStatus?: ReviewStatus;
}

export class CampaignPageDto {
  @ApiProperty({ type: [CampaignDto] }) items: CampaignDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class LifecycleStatusDto {
  @ApiProperty({ enum: DISPLAY_STATUSES }) status: DisplayStatus;
}

/** API.md: launch answers `active`, or `scheduled` until startsAt. */
export class LaunchStatusDto {
  @ApiProperty({ enum: [CampaignStatus.Active, CampaignStatus.Scheduled] }) status: DisplayStatus;
}
