import { DomainError, ErrorCode } from '@app/domain';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
export const IDEMPOTENCY_KEY_RULE = 'Idempotency-Key must be 1 to 200 printable ASCII characters without spaces';

/** Refuses a malformed Idempotency-Key header (400 VALIDATION_FAILED); an absent one is the caller's to judge. */
export function checkIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new DomainError(ErrorCode.ValidationFailed, 'Invalid input: Idempotency-Key', [{ field: 'Idempotency-Key', errors: [IDEMPOTENCY_KEY_RULE] }]);
  }
}
