import { loadConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';
import { assertCampaignRules, CampaignRulesInput } from './campaign-rules';

const config = loadConfig({ SCORE_PROVIDER_KEYS: 'klout:k1,peerindex:k2' });
const NOW = new Date('2026-11-26T12:00:00Z');
const at = (offsetHours: number) => new Date(NOW.getTime() + offsetHours * 3600_000);

function fieldsOf(input: CampaignRulesInput): string[] {
  try {
    assertCampaignRules(input, config, NOW);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.ValidationFailed);
    return ((error as DomainError).details as { field: string }[]).map((d) => d.field);
  }
}

describe('assertCampaignRules', () => {
  it.each([
    ['a configured provider, no start, future end', { provider: 'klout', startsAt: null, endsAt: at(1) }, []],
    ['a start in the past (launch goes live at once)', { provider: 'peerindex', startsAt: at(-5), endsAt: at(1) }, []],
    ['an unknown provider', { provider: 'myspace', startsAt: null, endsAt: at(1) }, ['eligibility.provider']],
    ['an end now', { provider: 'klout', startsAt: null, endsAt: NOW }, ['endsAt']],
    ['an end before the start', { provider: 'klout', startsAt: at(3), endsAt: at(2) }, ['endsAt']],
    ['an end equal to the start', { provider: 'klout', startsAt: at(2), endsAt: at(2) }, ['endsAt']],
    ['everything wrong', { provider: 'x', startsAt: at(-1), endsAt: at(-2) }, ['eligibility.provider', 'endsAt']],
  ])('%s → %j', (_, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it('names the configured providers in the message', () => {
    expect(() => assertCampaignRules({ provider: 'x', startsAt: null, endsAt: at(1) }, config, NOW)).toThrow(
      expect.objectContaining({ details: [{ field: 'eligibility.provider', errors: ['provider must be one of: klout, peerindex'] }] }),
    );
  });
});
