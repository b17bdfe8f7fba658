import { describeError, invalidFields } from './errors';

const apiError = (status: number, code: string, message = '', details?: unknown) => ({ status, code, message, details });

describe('describeError', () => {
  it('turns known codes into sentences, never the raw code', () => {
    expect(describeError(apiError(409, 'SOLD_OUT', 'Campaign sold out'))).toBe('Sorry, this perk is sold out.');
    expect(describeError(apiError(401, 'INVALID_CREDENTIALS'))).toBe('The email or password is wrong.');
  });

  it('names the invalid fields of a validation failure', () => {
    const error = apiError(400, 'VALIDATION_FAILED', 'bad', [
      { field: 'password', errors: ['too short'] },
      { field: 'shippingAddress.country', errors: ['bad'] },
    ]);
    expect(describeError(error)).toBe('Please check: password (at least 10 characters), country (two letters, e.g. US).');
    // The builder's eligibility rules, e.g. a country code the console took but the API does not know.
    expect(describeError(apiError(400, 'VALIDATION_FAILED', 'bad', [{ field: 'eligibility.countries', errors: ['unknown'] }]))).toBe(
      'Please check: countries (ISO codes: GB, not UK, for the United Kingdom).',
    );
  });

  it('tells the per-perk limit from the platform-wide velocity cap', () => {
    expect(describeError(apiError(409, 'CLAIM_LIMIT_REACHED'))).toMatch(/already claimed this perk/);
    expect(describeError(apiError(409, 'CLAIM_LIMIT_REACHED', 'x', { rule: 'platformVelocity', required: 10, actual: 10 }))).toMatch(/last 30 days/);
  });

  it('falls back to the server message for codes it does not know, then to a generic sentence', () => {
    expect(describeError(apiError(409, 'NEW_CODE', 'A new rule said no'))).toBe('A new rule said no');
    expect(describeError(apiError(500, 'NEW_CODE'))).toBe('Something went wrong on our side. Please try again.');
    expect(describeError(new Error('boom'))).toBe('Something went wrong on our side. Please try again.');
  });

  it('says a missing endpoint is not available yet', () => {
    expect(describeError(apiError(404, 'NOT_FOUND', 'Route not found'))).toBe('This feature is not available on the server yet.');
    expect(describeError(apiError(404, 'NOT_FOUND', 'Campaign not found'))).toMatch(/could not find/);
  });
});

describe('invalidFields', () => {
  it('ignores details that are not a field list', () => {
    expect(invalidFields({ reasons: [] })).toEqual([]);
    expect(invalidFields([{ field: 'email' }, { field: 'email' }])).toEqual(['email']);
  });
});
