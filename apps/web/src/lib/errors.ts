/**
 * API error codes in words a person understands. The API's own message is a developer's
 * message; the console shows these sentences and only falls back to it for unknown codes.
 */
export interface ErrorLike {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

const SENTENCES: Record<string, string> = {
  NETWORK: 'We could not reach the server. Check your connection and try again.',
  VALIDATION_FAILED: 'Some of the information is not valid.',
  UNAUTHORIZED: 'Your session has ended. Please log in again.',
  FORBIDDEN: 'Your account is not allowed to do this.',
  NOT_FOUND: 'We could not find this. It may have been removed, or it belongs to someone else.',
  CONFLICT: 'This changed in the meantime. Reload the page and try again.',
  PAYLOAD_TOO_LARGE: 'That is too much data for one upload. Split it into smaller files.',
  UNSUPPORTED_MEDIA_TYPE: 'That file type is not supported.',
  RATE_LIMITED: 'Too many attempts in a short time. Wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable. Try again in a minute.',
  INTERNAL_ERROR: 'Something went wrong on our side. Please try again.',
  EMAIL_TAKEN: 'An account with this email already exists. Log in instead.',
  INVALID_CREDENTIALS: 'The email or password is wrong.',
  CAMPAIGN_NOT_EDITABLE: 'This campaign can no longer be edited: only drafts can change.',
  CAMPAIGN_NOT_FUNDED: 'The campaign must be paid for before it can launch.',
  CAMPAIGN_NOT_APPROVED: 'The campaign must be approved by our team before it can launch.',
  CAMPAIGN_NOT_ACTIVE: 'This perk is not running right now.',
  INVALID_TRANSITION: 'The campaign cannot do that in its current state.',
  INSUFFICIENT_CODES: 'Upload at least one code per unit before launching.',
  INVENTORY_BELOW_CLAIMED: 'Stock cannot go below the units already claimed.',
  SOLD_OUT: 'Sorry, this perk is sold out.',
  CLAIM_LIMIT_REACHED: 'You have already claimed this perk as many times as allowed.',
  NOT_ELIGIBLE: 'You do not qualify for this perk.',
  DISCLOSURE_REQUIRED: 'Please accept the disclosure terms to claim this perk.',
  IDEMPOTENCY_KEY_REQUIRED: 'The request was incomplete. Please try again.',
  IDEMPOTENCY_KEY_REUSED: 'This request was already sent with different details. Reload the page and try again.',
  PAYMENT_PROVIDER_ERROR: 'The payment provider did not respond. Try again in a minute.',
  CAMPAIGN_ALREADY_FUNDED: 'This campaign is already paid for; the confirmation can take a moment to arrive.',
  CLAIM_NOT_RETRYABLE: 'Only failed claims can be retried, and this one has changed. Reload the list.',
  CLAIM_NOT_CANCELLABLE: 'This claim can no longer be cancelled.',
  SHIPMENT_NOT_SHIPPABLE: 'This parcel cannot be marked shipped: its shipment is not ready yet, or it was cancelled.',
  REQUEST_TIMEOUT: 'The server took too long to answer. Please try again.',
  FILE_UNREADABLE: 'The file could not be read: it may have changed since you chose it. Choose the file again.',
};

const FIELD_LABELS: Record<string, string> = {
  email: 'email',
  password: 'password (at least 10 characters)',
  displayName: 'name',
  brandName: 'brand name',
  country: 'country (two letters, e.g. US)',
  birthDate: 'birth date',
  totalUnits: 'units',
  perMemberLimit: 'limit per member',
  endsAt: 'end date',
  startsAt: 'start date',
  reason: 'reason',
  delta: 'change in units',
  unitCostCents: 'cost per unit',
  countries: 'countries (ISO codes: GB, not UK, for the United Kingdom)',
  topics: 'topics',
  minScore: 'minimum score',
  minPercentile: 'minimum percentile',
  minTopicScore: 'minimum topic score',
  minAge: 'minimum age',
};

/** One sentence for any error the API client throws. */
export function describeError(error: unknown): string {
  if (!isErrorLike(error)) return SENTENCES.INTERNAL_ERROR;
  if (error.code === 'VALIDATION_FAILED') {
    const fields = invalidFields(error.details);
    return fields.length ? `Please check: ${fields.join(', ')}.` : SENTENCES.VALIDATION_FAILED;
  }
  if (error.code === 'CLAIM_LIMIT_REACHED' && ruleOf(error.details) === 'platformVelocity') {
    return 'You have claimed as many perks as allowed in the last 30 days. Try again later.';
  }
  // The API answers a route it does not have with 404 "Route not found": a feature not deployed yet.
  if (error.code === 'HTTP_404' || (error.code === 'NOT_FOUND' && error.message === 'Route not found')) {
    return 'This feature is not available on the server yet.';
  }
  return SENTENCES[error.code] ?? (error.message || SENTENCES.INTERNAL_ERROR);
}

/** The field names in a VALIDATION_FAILED body (`details: [{field, errors}]`), in readable words. */
export function invalidFields(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  const names = details
    .map((item) => (typeof item === 'object' && item !== null && 'field' in item ? String((item as { field: unknown }).field) : ''))
    .filter(Boolean)
    .map((field) => FIELD_LABELS[field.split('.').pop() ?? field] ?? field);
  return [...new Set(names)];
}

function ruleOf(details: unknown): unknown {
  return typeof details === 'object' && details !== null && 'rule' in details ? (details as { rule: unknown }).rule : undefined;
}

function isErrorLike(error: unknown): error is ErrorLike {
  return typeof error === 'object' && error !== null && 'code' in error && 'status' in error;
}
