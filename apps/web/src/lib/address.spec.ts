import { normalizeAddress, validateAddress } from './address';

const valid = { name: 'Ada Lovelace', line1: '1 Analytical St', line2: '', city: 'London', postalCode: 'NW1 6XE', country: 'gb' };

describe('validateAddress', () => {
  it('accepts a complete address', () => {
    expect(validateAddress(valid)).toEqual({});
  });

  it('reports every missing or malformed field at once', () => {
    const errors = validateAddress({ ...valid, name: ' ', city: '', postalCode: '#', country: 'Germany' });
    expect(Object.keys(errors).sort()).toEqual(['city', 'country', 'name', 'postalCode']);
  });
});

describe('normalizeAddress', () => {
  it('trims, upper-cases the country and drops an empty second line', () => {
    expect(normalizeAddress({ ...valid, name: ' Ada ' })).toEqual({
      name: 'Ada',
      line1: '1 Analytical St',
      city: 'London',
      postalCode: 'NW1 6XE',
      country: 'GB',
    });
  });
});

describe('validateAddress limits', () => {
  it('takes lines of up to 200 characters, and not 201', () => {
    expect(validateAddress({ ...valid, line1: 'a'.repeat(200) })).toEqual({});
    expect(Object.keys(validateAddress({ ...valid, line1: 'a'.repeat(201) }))).toEqual(['line1']);
  });

  it('takes a city of up to 100 characters, as the API does, and not 101', () => {
    expect(validateAddress({ ...valid, city: 'a'.repeat(100) })).toEqual({});
    expect(validateAddress({ ...valid, city: 'a'.repeat(101) })).toEqual({ city: 'Use at most 100 characters.' });
  });

  it('takes a postal code of 2 to 12 letters, digits, spaces or dashes', () => {
    for (const postalCode of ['N1', 'SW1A-1AA 123']) expect(validateAddress({ ...valid, postalCode })).toEqual({});
    for (const postalCode of ['1', 'SW1A-1AA 1234', '-12345']) expect(Object.keys(validateAddress({ ...valid, postalCode }))).toEqual(['postalCode']);
  });
});
