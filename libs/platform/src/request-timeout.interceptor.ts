import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, throwError, timeout } from 'rxjs';
import { DomainError, ErrorCode } from '@app/domain';

/**
 * Answers 503 SERVICE_UNAVAILABLE when a handler runs longer than the limit, so a stuck
 * dependency (a lock wait, a slow provider) cannot hold client connections forever.
 */
@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(private readonly timeoutMs: number) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      timeout({
        first: this.timeoutMs,
        with: () => throwError(requestTimedOut),
      }),
    );
  }
}

/** The answer to a request that ran past REQUEST_TIMEOUT_MS. */
function requestTimedOut(): DomainError {
  return new DomainError(ErrorCode.ServiceUnavailable, 'The request took too long; retry later');
}

/** `work`, or the request-timeout answer if it takes longer than `ms` (for work outside the interceptor: guards, lean routes). */
export function withinRequestTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(requestTimedOut()), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
