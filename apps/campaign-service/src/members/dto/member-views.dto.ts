import { ApiProperty } from '@nestjs/swagger';
import { PerkKind } from '@app/domain';
import { ANY_JSON_VALUE, JSON_NULL } from '../../openapi-values';

export class TopicScoreDto {
  @ApiProperty() topic: string;
  @ApiProperty() score: number;
}

export class MemberScoreDto {
  @ApiProperty() provider: string;
  @ApiProperty() score: number;
  @ApiProperty({ nullable: true, type: Number, description: "highest whole percentile of the provider's current scores the member reaches" })
  percentile: number | null;
  @ApiProperty({ type: [TopicScoreDto] }) topics: TopicScoreDto[];
  @ApiProperty() scoredAt: string;
}

export class MemberScoresDto {
  @ApiProperty({ type: [MemberScoreDto] }) items: MemberScoreDto[];
  @ApiProperty({ nullable: true, type: String, description: 'one item per provider, by provider name' }) nextCursor: string | null;
}

export enum PerkStatus {
  Available = 'available',
  Claimed = 'claimed',
  SoldOut = 'sold_out',
}

export class MemberPerkDto {
  @ApiProperty() campaignId: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: PerkKind }) kind: PerkKind;
  @ApiProperty() brandName: string;
  @ApiProperty() endsAt: string;
  @ApiProperty({ type: 'integer' }) remainingUnits: number;
  @ApiProperty({ enum: PerkStatus }) status: PerkStatus;
}

export class PerkPageDto {
  @ApiProperty({ type: [MemberPerkDto] }) items: MemberPerkDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class EligibilityReasonDto {
  @ApiProperty({ example: 'score' }) rule: string;
  @ApiProperty({ description: 'what the campaign asks for: a number, a provider, a list of countries or topics, true…', oneOf: ANY_JSON_VALUE })
  required: unknown;
  @ApiProperty({ description: "the member's value, in the rule's terms (null when unknown)", oneOf: [...ANY_JSON_VALUE, JSON_NULL] })
  actual: unknown;
}

export class EligibilityResultDto {
  @ApiProperty({ description: 'may claim: offered at launch (an offer stands for the campaign’s life), or qualifies under the rules now' })
  eligible: boolean;
  @ApiProperty({ type: [EligibilityReasonDto], description: 'one per failed rule' }) reasons: EligibilityReasonDto[];
}
