import type { ShippingAddress } from '../api/types';

export type AddressErrors = Partial<Record<keyof ShippingAddress, string>>;

/** Checks a shipping address before it is sent, so the member sees every problem at once. */
export function validateAddress(address: ShippingAddress): AddressErrors {
  const errors: AddressErrors = {};
  const required: [keyof ShippingAddress, string][] = [
    ['name', 'Enter the name of the person receiving the parcel.'],
    ['line1', 'Enter the street address.'],
    ['city', 'Enter the city.'],
    ['postalCode', 'Enter the postal code.'],
  ];
  for (const [field, message] of required) {
    if (!address[field]?.trim()) errors[field] = message;
  }
  // The API's limits (ShippingAddressDto): a longer field would only come back as a 400.
  for (const [field, max] of [['name', 200], ['line1', 200], ['line2', 200], ['city', 100]] as const) {
    if ((address[field]?.trim().length ?? 0) > max) errors[field] = `Use at most ${max} characters.`;
  }
  if (address.postalCode && !/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/.test(address.postalCode.trim())) {
    errors.postalCode = 'Enter a valid postal code (letters, digits, spaces or dashes).';
  }
  if (!/^[A-Z]{2}$/.test(address.country.trim().toUpperCase())) errors.country = 'Enter the two-letter country code, e.g. US.';
  return errors;
}

/** The address as the API takes it: trimmed, country upper-case, no empty optional line. */
export function normalizeAddress(address: ShippingAddress): ShippingAddress {
  const line2 = address.line2?.trim();
  return {
    name: address.name.trim(),
    line1: address.line1.trim(),
    ...(line2 ? { line2 } : {}),
    city: address.city.trim(),
    postalCode: address.postalCode.trim(),
    country: address.country.trim().toUpperCase(),
  };
}
