import { randomBytes } from 'node:crypto';
import { FormValue } from './form';

/** An API error in Stripe's shape: `{error: {type, message, code?, param?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  get body(): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.code) error.code = this.code;
    if (this.param) error.param = this.param;
    return { error };
  }

  static invalid(message: string, code?: string, param?: string): ApiError {
    return new ApiError(400, 'invalid_request_error', message, code, param);
  }
}

export const newId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
export const unixNow = () => Math.floor(Date.now() / 1000);

/** A required string parameter, or Stripe's `parameter_missing` error. */
export function str(value: FormValue | undefined, param: string): string {
  if (typeof value !== 'string' || !value) throw ApiError.invalid(`Missing required param: ${param}.`, 'parameter_missing', param);
  return value;
}

/** A required integer parameter of at least `min`, or Stripe's `parameter_invalid_integer` error. */
export function int(value: FormValue | undefined, param: string, min: number): number {
  const n = Number(str(value, param));
  if (!Number.isInteger(n) || n < min) throw ApiError.invalid(`Invalid integer: ${String(value)}`, 'parameter_invalid_integer', param);
  return n;
}
