import { QueryFailedError } from 'typeorm';
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

  it('keeps a domain error as it is', () => {
    expect(errorBody(new DomainError(ErrorCode.SoldOut, 'gone'))).toEqual({ statusCode: 409, code: 'SOLD_OUT', message: 'gone' });
  });
});
