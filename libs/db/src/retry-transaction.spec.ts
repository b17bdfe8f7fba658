import { connect } from 'node:net';
import { DataSource, QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isRetryableConflict, transactionRetryingConflicts } from './retry-transaction';

const failure = (code: string) => new QueryFailedError('UPDATE …', [], Object.assign(new Error(code), { code }));

function dataSourceFailing(...codes: string[]): { dataSource: DataSource; runs: () => number } {
  let runs = 0;
  const dataSource = {
    transaction: async (work: (manager: unknown) => Promise<unknown>) => {
      const code = codes[runs++];
      if (code) throw failure(code);
      return work({});
    },
  } as unknown as DataSource;
  return { dataSource, runs: () => runs };
}

describe('transactionRetryingConflicts', () => {
  it('runs a transaction PostgreSQL rolled back for a deadlock or a serialization failure again', async () => {
    const { dataSource, runs } = dataSourceFailing('40P01', '40001');
    await expect(transactionRetryingConflicts(dataSource, async () => 'done')).resolves.toBe('done');
    expect(runs()).toBe(3);
  });

  it('gives up after three attempts, and never retries another error', async () => {
    const deadlocked = dataSourceFailing('40P01', '40P01', '40P01', '40P01');
    await expect(transactionRetryingConflicts(deadlocked.dataSource, async () => 'done')).rejects.toThrow(QueryFailedError);
    expect(deadlocked.runs()).toBe(3);
    const unique = dataSourceFailing('23505');
    await expect(transactionRetryingConflicts(unique.dataSource, async () => 'done')).rejects.toThrow(QueryFailedError);
    expect(unique.runs()).toBe(1);
  });

  it('tells retryable conflicts from other failures', () => {
    expect(isRetryableConflict(failure('40P01'))).toBe(true);
    expect(isRetryableConflict(failure('23503'))).toBe(false);
    expect(isRetryableConflict(new Error('40P01'))).toBe(false);
  });
});

describe('isDatabaseUnavailable', () => {
  const connectionError = (path: string | number) =>
    new Promise<Error>((resolve) => (typeof path === 'number' ? connect(path, '127.0.0.1') : connect(path)).once('error', resolve));

  it('takes a server nobody answers at, over TCP or a Unix socket, for a database that is down', async () => {
    expect(isDatabaseUnavailable(await connectionError(1))).toBe(true);
    // The socket file of a stopped PostgreSQL is gone: ENOENT (was answered 500 and logged as a bug).
    expect(isDatabaseUnavailable(await connectionError('/tmp/no-such-dir/.s.PGSQL.5432'))).toBe(true);
  });

  it('does not take other failures for it', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('no such file'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
    expect(isDatabaseUnavailable(failure('23505'))).toBe(false);
  });
});
