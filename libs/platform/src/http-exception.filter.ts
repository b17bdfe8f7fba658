import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable, isRetryableConflict, isStatementCanceled, pgErrorCode } from '@app/db';
import { DomainError, ErrorCode } from '@app/domain';
import { throttled } from '@app/queue';
import { ERROR_STATUS, HTTP_STATUS_CODE } from './error-status';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}

/** Every error leaves the API in the shape API.md fixes; anything unexpected is a logged 500. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = errorBody(exception);
    if (response.headersSent) return;
    // For the request's log line (see pinoHttpOptions): which refusal, not only its status.
    response.locals.errorCode = body.code;
    const wait = retryAfterSeconds(body);
    if (wait !== undefined && !response.hasHeader('Retry-After')) response.setHeader('Retry-After', String(wait));
    response.status(body.statusCode).json(body);
  }
}

/**
 * The Retry-After header of an error, in seconds: a rate limit's own wait, and a second for a 503
 * (the database or Redis away, a deadlock, the pool busy: every retry may find it back).
 */
export function retryAfterSeconds(body: ErrorBody): number | undefined {
  if (body.code === ErrorCode.RateLimited) return (body.details as { retryAfterSeconds: number }).retryAfterSeconds;
  return body.code === ErrorCode.ServiceUnavailable ? 1 : undefined;
}

const logger = new Logger('HttpExceptionFilter');

/** An outage answers every request 503: its cause is logged at most this often, not once per request. */
const UNAVAILABLE_LOG_MS = 10_000;
type Unavailable = { err: unknown; message: string; logged: LoggedRequest };
/** One throttle per cause (the database away, a deadlock, the pool busy: a few fixed messages), so one never hides another. */
const unavailableWarnings = new Map<string, (value: Unavailable) => void>();
function warnUnavailable(value: Unavailable): void {
  let warn = unavailableWarnings.get(value.message);
  if (!warn) {
    warn = throttled<Unavailable>(UNAVAILABLE_LOG_MS, ({ err, message, logged }, leftOut) => logger.warn({ ...logged, err, leftOut }, `Answered 503: ${message}`));
    unavailableWarnings.set(value.message, warn);
  }
  warn(value);
}

/**
 * The request a line is about, for answers made outside Nest's request context (the lean claim
 * route), where the request logger cannot add it: `{ req: { id, method, url } }`.
 */
export type LoggedRequest = { req: { id: string; method?: string; url?: string } } | Record<string, never>;

/**
 * The API's error body for anything a request handler threw. Unexpected errors are logged as
 * errors; the API's own 5xx answers (a payment provider that failed: 502) as warnings; the cause
 * of a 503 that is not the API's own answer (the database away, a deadlock, the pool exhausted)
 * as a warning at most every UNAVAILABLE_LOG_MS with the count left out.
 */
export function errorBody(thrown: unknown, logged: LoggedRequest = {}): ErrorBody {
  const exception = unwrapped(thrown);
  const body = toBody(exception);
  if (body.statusCode < 500) return body;
  const own = exception instanceof DomainError;
  if (body.statusCode !== HttpStatus.SERVICE_UNAVAILABLE) {
    if (own) logger.warn({ ...logged, err: exception }, `Answered ${body.statusCode}: ${body.message}`);
    else logger.error({ ...logged, err: exception }, 'Unhandled error');
  } else if (!own) {
    warnUnavailable({ err: exception, message: body.message, logged });
  }
  return body;
}

/** Whether the API answers this error 503: nothing was decided, and the request may be retried as it is. */
export function isUnavailableAnswer(exception: unknown): boolean {
  return toBody(exception).code === ErrorCode.ServiceUnavailable;
}

const PARSER_MESSAGES: Record<number, string> = {
  413: 'Request body too large',
  415: 'The body’s charset or Content-Encoding is not supported',
};

/**
 * A domain error thrown in a middleware (the JSON parser refusing a body: json-body.ts) reaches
 * the filter wrapped by Nest's Express adapter, as the cause of an HttpException with http-errors' status.
 */
function unwrapped(exception: unknown): unknown {
  return exception instanceof HttpException && exception.cause instanceof DomainError ? exception.cause : exception;
}

function toBody(thrown: unknown): ErrorBody {
  const exception = unwrapped(thrown);
  if (exception instanceof DomainError) {
    return body(ERROR_STATUS[exception.code], exception.code, exception.message, exception.details);
  }
  // Nest turns body-parser's errors into HttpExceptions carrying their words (JSON.parse's, zlib's): ours instead.
  const parserError = exception instanceof HttpException ? exception.cause : exception;
  if (isBodyParserError(parserError)) {
    const status = parserError.status ?? 400;
    const code = HTTP_STATUS_CODE[status] ?? ErrorCode.ValidationFailed;
    if (parserError.type === 'entity.parse.failed') return body(400, code, 'The request body is not valid JSON: a JSON object (or array) is expected', undefined, 'body');
    return body(status, code, PARSER_MESSAGES[status] ?? 'Request body is not valid', undefined, 'body');
  }
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isUnstorableText(exception)) {
    return body(400, ErrorCode.ValidationFailed, 'Text fields must not contain NUL (\\u0000) characters');
  }
  if (isAbortedRequest(exception)) return body(400, ErrorCode.ValidationFailed, 'The request body was cut off before it ended', undefined, 'body');
  // Rolled back to break a deadlock, or a serialization failure: nothing was done, and a retry may pass.
  if (isRetryableConflict(exception)) return body(503, ErrorCode.ServiceUnavailable, 'The request met a concurrent change; retry it');
  if (isPoolExhausted(exception)) return body(503, ErrorCode.ServiceUnavailable, 'The service is busy; retry later');
  if (isDatabaseUnavailable(exception)) return body(503, ErrorCode.ServiceUnavailable, 'The database is unavailable; retry later');
  if (isStatementCanceled(exception)) return body(503, ErrorCode.ServiceUnavailable, 'The database did not answer in time; retry later');
  return body(500, ErrorCode.InternalError, 'Internal server error');
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const code = HTTP_STATUS_CODE[status] ?? (status >= 500 ? ErrorCode.InternalError : ErrorCode.Conflict);
  if (typeof response === 'object' && response !== null && 'code' in response && 'message' in response) {
    const { message, details } = response as { message: string; details?: unknown };
    return body(status, String((response as { code: unknown }).code), message, details);
  }
  if (typeof response === 'object' && response !== null && !('message' in response)) {
    return body(status, code, exception.message, response);
  }
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message);
  return body(status, code, status === 404 && message.startsWith('Cannot ') ? 'Route not found' : message);
}

/** API.md: a validation failure names the offending fields in `details`; one without a field names the part of the request. */
function body(statusCode: number, code: string, message: string, details?: unknown, part = 'request'): ErrorBody {
  if (code === ErrorCode.ValidationFailed && details === undefined) details = [{ field: part, errors: [message] }];
  return details === undefined ? { statusCode, code, message } : { statusCode, code, message, details };
}

/**
 * PostgreSQL refuses text it cannot store (a NUL character, SQLSTATE 22021): that is bad
 * input in any string field, so it answers 400 wherever it reaches the database.
 */
function isUnstorableText(error: unknown): boolean {
  return pgErrorCode(error) === '22021';
}

/** Node's error for a client that went away in the middle of a body a handler was streaming (a CSV upload). */
function isAbortedRequest(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'ECONNRESET' && error.message === 'aborted';
}

/** pg-pool's answer when every connection stayed busy for its connectionTimeoutMillis. */
function isPoolExhausted(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}

function isBodyParserError(error: unknown): error is { status?: number; type: string } {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}
