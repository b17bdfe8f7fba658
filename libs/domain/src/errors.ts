/**
 * Every error code the platform returns. The HTTP layer maps each to a status
 * (libs/platform/src/error-status.ts); the domain never speaks HTTP.
 */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  RateLimited = 'RATE_LIMITED',
  RequestTimeout = 'REQUEST_TIMEOUT',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  InternalError = 'INTERNAL_ERROR',
  // auth
  EmailTaken = 'EMAIL_TAKEN',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  // campaigns
  CampaignNotEditable = 'CAMPAIGN_NOT_EDITABLE',
  CampaignNotFunded = 'CAMPAIGN_NOT_FUNDED',
  CampaignNotApproved = 'CAMPAIGN_NOT_APPROVED',
  CampaignNotActive = 'CAMPAIGN_NOT_ACTIVE',
  InvalidTransition = 'INVALID_TRANSITION',
  InsufficientCodes = 'INSUFFICIENT_CODES',
  InventoryBelowClaimed = 'INVENTORY_BELOW_CLAIMED',
  // claims
  SoldOut = 'SOLD_OUT',
  ClaimLimitReached = 'CLAIM_LIMIT_REACHED',
  NotEligible = 'NOT_ELIGIBLE',
  DisclosureRequired = 'DISCLOSURE_REQUIRED',
  IdempotencyKeyRequired = 'IDEMPOTENCY_KEY_REQUIRED',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
  ClaimNotRetryable = 'CLAIM_NOT_RETRYABLE',
  ClaimNotCancellable = 'CLAIM_NOT_CANCELLABLE',
  ShipmentNotShippable = 'SHIPMENT_NOT_SHIPPABLE',
  ShippingSignatureInvalid = 'SHIPPING_SIGNATURE_INVALID',
  // payments
  StripeSignatureInvalid = 'STRIPE_SIGNATURE_INVALID',
  PaymentProviderError = 'PAYMENT_PROVIDER_ERROR',
  CampaignAlreadyFunded = 'CAMPAIGN_ALREADY_FUNDED',
}

/** A refusal the domain can explain: a stable code, a human message, optional details. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(what = 'Resource'): DomainError {
    return new DomainError(ErrorCode.NotFound, `${what} not found`);
  }
}
