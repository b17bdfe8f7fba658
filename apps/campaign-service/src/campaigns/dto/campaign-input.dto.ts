import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsISO8601,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PerkKind, TOPIC_SLUG } from '@app/domain';
import { AsUtc, IsReadableInstant, TextLine } from '@app/platform';

/** Something to read: not empty, not only spaces. */

/** Upper bounds keep `totalUnits × unitCostCents` plus the fee inside integer-safe cents. */
export const MAX_TOTAL_UNITS = 1_000_000;
export const MAX_UNIT_COST_CENTS = 10_000_000;

/** Optional, but never null: a null would reach NOT NULL columns or the rule engine. */
const IfPresent = () => ValidateIf((_: object, value: unknown) => value !== undefined);

const ISO_INSTANT = { strict: true, strictSeparator: true } as const;

export class PerkDto {
  @ApiProperty({ enum: PerkKind })
  @IsIn(Object.values(PerkKind))
  kind: PerkKind;

  @ApiProperty({ example: 'Free coffee for a month' })
  @TextLine(200)
  title: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_UNIT_COST_CENTS, example: 500 })
  @IsInt() @Min(1) @Max(MAX_UNIT_COST_CENTS)
  unitCostCents: number;
}

/** API.md eligibility rules; `provider` must be one of SCORE_PROVIDER_KEYS (checked by the service). */
export class EligibilityDto {
  @ApiProperty({ example: 'klout' })
  @IsString() @MinLength(1) @MaxLength(50)
  provider: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @IfPresent() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100)
  minScore?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: '90 = the top 10% of the provider’s current scores' })
  @IfPresent() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100)
  minPercentile?: number;

  @ApiPropertyOptional({ type: [String], example: ['tech', 'gaming'], description: 'lower-case slugs; any of them matches' })
  @IfPresent() @IsArray() @ArrayMaxSize(50) @ArrayUnique() @IsString({ each: true }) @MaxLength(64, { each: true })
  @Matches(TOPIC_SLUG, { each: true, message: 'each value in topics must be a lower-case slug (a-z, 0-9, - or _ between words)' })
  topics?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'each listed topic counts at this score or more; without topics, any topic does' })
  @IfPresent() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100)
  minTopicScore?: number;

  @ApiPropertyOptional({ type: [String], example: ['US', 'CA'], description: 'ISO 3166-1 alpha-2, upper case' })
  @IfPresent() @IsArray() @ArrayMaxSize(250) @ArrayUnique() @IsString({ each: true })
  @Matches(/^[A-Z]{2}$/, { each: true, message: 'each value in countries must be two upper-case letters' })
  @IsISO31661Alpha2({ each: true })
  countries?: string[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 150 })
  @IfPresent() @IsInt() @Min(0) @Max(150)
  minAge?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 3650, description: 'abuse control: the claiming account must be at least this many days old' })
  @IfPresent() @IsInt() @Min(1) @Max(3650)
  minAccountAgeDays?: number;
}

const NameRules = () => TextLine(200);
const DescriptionRules = () => applyDecorators(IsString(), MaxLength(5000));
const PerkRules = () => applyDecorators(IsObject(), ValidateNested(), Type(() => PerkDto));
const TotalUnitsRules = () => applyDecorators(IsInt(), Min(1), Max(MAX_TOTAL_UNITS));
const PerMemberLimitRules = () => applyDecorators(IsInt(), Min(1), Max(MAX_TOTAL_UNITS));
/** null means "when launched" (API.md: startsAt defaults to launch time) */
const StartsAtRules = () =>
  applyDecorators(AsUtc(), ValidateIf((_: object, value: unknown) => value !== undefined && value !== null), IsISO8601(ISO_INSTANT), IsReadableInstant());
const EndsAtRules = () => applyDecorators(AsUtc(), IsISO8601(ISO_INSTANT), IsReadableInstant());
const EligibilityRulesOf = () => applyDecorators(IsObject(), ValidateNested(), Type(() => EligibilityDto));

export class CreateCampaignDto {
  @ApiProperty({ example: 'Winter coffee' })
  @NameRules()
  name: string;

  @ApiPropertyOptional({ example: 'A month of free coffee for coffee lovers' })
  @IfPresent() @DescriptionRules()
  description?: string;

  @ApiProperty({ type: PerkDto })
  @PerkRules()
  perk: PerkDto;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_TOTAL_UNITS, example: 1000 })
  @TotalUnitsRules()
  totalUnits: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @IfPresent() @PerMemberLimitRules()
  perMemberLimit?: number;

  @ApiPropertyOptional({ example: '2030-12-01T00:00:00Z', nullable: true, type: String, description: 'defaults to launch time' })
  @StartsAtRules()
  startsAt?: string | null;

  @ApiProperty({ example: '2030-12-31T00:00:00Z', description: 'after startsAt and in the future' })
  @EndsAtRules()
  endsAt: string;

  @ApiProperty({ type: EligibilityDto })
  @EligibilityRulesOf()
  eligibility: EligibilityDto;
}

/** Any field of the creation body; `perk` and `eligibility` are replaced as a whole. */
export class UpdateCampaignDto {
  @ApiPropertyOptional() @IfPresent() @NameRules()
  name?: string;

  @ApiPropertyOptional() @IfPresent() @DescriptionRules()
  description?: string;

  @ApiPropertyOptional({ type: PerkDto }) @IfPresent() @PerkRules()
  perk?: PerkDto;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_TOTAL_UNITS }) @IfPresent() @TotalUnitsRules()
  totalUnits?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 }) @IfPresent() @PerMemberLimitRules()
  perMemberLimit?: number;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null: start at launch' }) @StartsAtRules()
  startsAt?: string | null;

  @ApiPropertyOptional() @IfPresent() @EndsAtRules()
  endsAt?: string;

  @ApiPropertyOptional({ type: EligibilityDto }) @IfPresent() @EligibilityRulesOf()
  eligibility?: EligibilityDto;
}
