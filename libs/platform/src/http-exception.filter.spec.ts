import { Logger } from '@nestjs/common';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { DomainError, ErrorCode } from '@app/domain';
import { errorBody } from './http-exception.filter';

describe('errorBody', () => {
  it('answers a body cut off by a client that went away as 400, not as a logged 500', () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const message = 'The request body was cut off before it ended';
    expect(errorBody(aborted)).toEqual({ statusCode: 400, code: ErrorCode.ValidationFailed, message, details: [{ field: 'body', errors: [message] }] });
    expect(errorBody(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).statusCode).toBe(500);
  });

  it('answers a transaction rolled back to break a deadlock as 503, to be retried', () => {
    const deadlock = new QueryFailedError('UPDATE …', [], Object.assign(new Error('deadlock detected'), { code: '40P01' }));
    expect(errorBody(deadlock)).toEqual({ statusCode: 503, code: ErrorCode.ServiceUnavailable, message: 'The request met a concurrent change; retry it' });
  });

  it('answers a connection pool that stayed busy as 503, not as a 500', () => {
    expect(errorBody(new Error('timeout exceeded when trying to connect'))).toEqual({
      statusCode: 503,
      code: ErrorCode.ServiceUnavailable,
      message: 'The service is busy; retry later',
    });
  });

  it('answers a database that is unreachable or went away mid-query as 503, not as a 500', () => {
    const unavailable = { statusCode: 503, code: ErrorCode.ServiceUnavailable, message: 'The database is unavailable; retry later' };
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
    const dropped = new QueryFailedError('SELECT …', [], new Error('Connection terminated unexpectedly'));
    const shutdown = new QueryFailedError('SELECT …', [], Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    const starting = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    const reset = new QueryFailedError('SELECT …', [], Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }));
    const resetRaw = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    // A restart (pg_ctl -m fast): connections reset as they open, transactions whose connection TypeORM released.
    const resetOpening = Object.assign(new Error('connect ECONNRESET 127.0.0.1:5432'), { code: 'ECONNRESET', syscall: 'connect' });
    const released = [new QueryRunnerAlreadyReleasedError(), new QueryRunnerProviderAlreadyReleasedError()];
    for (const error of [refused, dropped, shutdown, starting, reset, resetRaw, resetOpening, ...released]) expect(errorBody(error)).toEqual(unavailable);
    // A refused connection elsewhere than a connect, and any other SQLSTATE, stay errors.
    expect(errorBody(Object.assign(new Error('write ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'write' })).statusCode).toBe(500);
    expect(errorBody(new QueryFailedError('SELECT …', [], Object.assign(new Error('division by zero'), { code: '22012' }))).statusCode).toBe(500);
  });

  it('answers a statement PostgreSQL cancelled (a statement_timeout or lock_timeout a DBA set) as 503, not as a 500', () => {
    const timedOut = { statusCode: 503, code: ErrorCode.ServiceUnavailable, message: 'The database did not answer in time; retry later' };
    const statementTimeout = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    const lockTimeout = Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
    // Through TypeORM, and straight from pg (the prepared statements of the hot paths).
    for (const cause of [statementTimeout, lockTimeout]) {
      expect(errorBody(new QueryFailedError('SELECT …', [], cause))).toEqual(timedOut);
      expect(errorBody(cause)).toEqual(timedOut);
    }
  });

  it('keeps a domain error as it is', () => {
    expect(errorBody(new DomainError(ErrorCode.SoldOut, 'gone'))).toEqual({ statusCode: 409, code: 'SOLD_OUT', message: 'gone' });
  });

  it("logs a 503's cause as a warning, at most every 10 s with the count left out, but not the API's own 503 answers", () => {
    // Far past any 503 the tests above logged.
    jest.useFakeTimers({ now: Date.now() + 3_600_000 });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
      for (let i = 0; i < 12; i++) {
        errorBody(refused);
        jest.advanceTimersByTime(1000);
      }
      errorBody(new DomainError(ErrorCode.ServiceUnavailable, 'The request took too long'));
      // Another cause meanwhile has its own warning: the outage's does not hide it.
      const deadlock = new QueryFailedError('UPDATE …', [], Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      errorBody(deadlock);
      expect(warn.mock.calls).toEqual([
        [{ err: refused, leftOut: expect.any(Number) }, 'Answered 503: The database is unavailable; retry later'],
        [{ err: refused, leftOut: 9 }, 'Answered 503: The database is unavailable; retry later'],
        [{ err: deadlock, leftOut: expect.any(Number) }, 'Answered 503: The request met a concurrent change; retry it'],
      ]);
    } finally {
      warn.mockRestore();
      jest.useRealTimers();
    }
  });

  it("logs the API's own 5xx answers (a payment provider that failed) as warnings, and only the unexpected as errors", () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const stripe = new DomainError(ErrorCode.PaymentProviderError, 'Stripe checkout session create failed');
      expect(errorBody(stripe).statusCode).toBe(502);
      expect(warn).toHaveBeenCalledWith({ err: stripe }, 'Answered 502: Stripe checkout session create failed');
      expect(error).not.toHaveBeenCalled();
      const bug = new TypeError('x is undefined');
      expect(errorBody(bug).statusCode).toBe(500);
      expect(error).toHaveBeenCalledWith({ err: bug }, 'Unhandled error');
      // Answers made outside Nest's request context name their request themselves.
      const req = { id: 'claim-req-1', method: 'POST', url: '/campaigns/c1/claims' };
      errorBody(bug, { req });
      expect(error).toHaveBeenLastCalledWith({ req, err: bug }, 'Unhandled error');
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});
