import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@app/domain';

/** The one place where domain error codes become HTTP statuses. */
export const ERROR_STATUS: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.RequestTimeout]: HttpStatus.REQUEST_TIMEOUT,
  [ErrorCode.ServiceUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.InternalError]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCode.EmailTaken]: HttpStatus.CONFLICT,
  [ErrorCode.InvalidCredentials]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.CampaignNotEditable]: HttpStatus.CONFLICT,
  [ErrorCode.CampaignNotFunded]: HttpStatus.CONFLICT,
  [ErrorCode.CampaignNotApproved]: HttpStatus.CONFLICT,
  [ErrorCode.CampaignNotActive]: HttpStatus.CONFLICT,
  [ErrorCode.InvalidTransition]: HttpStatus.CONFLICT,
  [ErrorCode.InsufficientCodes]: HttpStatus.CONFLICT,
  [ErrorCode.InventoryBelowClaimed]: HttpStatus.CONFLICT,
  [ErrorCode.SoldOut]: HttpStatus.CONFLICT,
  [ErrorCode.ClaimLimitReached]: HttpStatus.CONFLICT,
  [ErrorCode.NotEligible]: HttpStatus.FORBIDDEN,
  [ErrorCode.DisclosureRequired]: HttpStatus.BAD_REQUEST,
  [ErrorCode.IdempotencyKeyRequired]: HttpStatus.BAD_REQUEST,
  [ErrorCode.IdempotencyKeyReused]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.ClaimNotRetryable]: HttpStatus.CONFLICT,
  [ErrorCode.ClaimNotCancellable]: HttpStatus.CONFLICT,
  [ErrorCode.ShipmentNotShippable]: HttpStatus.CONFLICT,
  [ErrorCode.ShippingSignatureInvalid]: HttpStatus.BAD_REQUEST,
  [ErrorCode.StripeSignatureInvalid]: HttpStatus.BAD_REQUEST,
  [ErrorCode.PaymentProviderError]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.CampaignAlreadyFunded]: HttpStatus.CONFLICT,
};

/** Codes for errors raised by the framework itself (routing, body parsing, guards). */
export const HTTP_STATUS_CODE: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  408: ErrorCode.RequestTimeout,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};
