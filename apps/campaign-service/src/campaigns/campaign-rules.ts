import { AppConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';
import { FieldError } from '@app/platform';

export interface CampaignRulesInput {
  startsAt: Date | null;
  endsAt: Date;
  provider: string;
}

/**
 * Rules that span fields or need configuration, checked after the DTO's own validation:
 * a configured score provider, `endsAt` in the future and after `startsAt`.
 * Refuses with 400 VALIDATION_FAILED naming each field, like the ValidationPipe does.
 */
export function assertCampaignRules(input: CampaignRulesInput, config: AppConfig, now = new Date()): void {
  const errors: FieldError[] = [];
  if (!config.scoreProviders.byName.has(input.provider)) {
    const known = [...config.scoreProviders.byName.keys()].join(', ');
    errors.push({ field: 'eligibility.provider', errors: [`provider must be one of: ${known}`] });
  }
  const endsAtErrors: string[] = [];
  if (input.endsAt.getTime() <= now.getTime()) endsAtErrors.push('endsAt must be in the future');
  if (input.startsAt && input.endsAt.getTime() <= input.startsAt.getTime()) endsAtErrors.push('endsAt must be after startsAt');
  if (endsAtErrors.length) errors.push({ field: 'endsAt', errors: endsAtErrors });
  if (errors.length) {
    throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${errors.map((e) => e.field).join(', ')}`, errors);
  }
}
