import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { register } from 'prom-client';
import { JobHandlers, JobProcessor } from './job-processor';

class RefundProcessor extends JobProcessor<'payments'> {
  protected readonly queueKey = 'payments' as const;
  protected readonly handlers: JobHandlers<'payments'> = { 'refund-campaign': async () => undefined, 'refund-funding': async () => undefined };
}

class QuietProcessor extends RefundProcessor {
  protected readonly logsErrorMessages = false;
}

const job = (attemptsMade: number) => ({ name: 'refund-campaign', id: 'refund-1', attemptsMade, opts: { attempts: 3 } }) as unknown as Job;
const failures = async (final: boolean) =>
  (await register.getSingleMetric('queue_job_failures_total')!.get()).values.find((v) => v.labels.queue === 'payments' && v.labels.final === String(final))?.value ?? 0;

describe('JobProcessor: failed runs', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs and counts every failed run: a retry at info, the last attempt or a permanent failure as a warning', async () => {
    const info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const [retries, finals] = [await failures(false), await failures(true)];
    const processor = new RefundProcessor();
    processor.logFailedRun(job(1), new Error('Stripe answered 500'));
    processor.logFailedRun(job(3), new Error('Stripe answered 500'));
    processor.logFailedRun(job(1), new UnrecoverableError('no such payment'));
    expect(info.mock.calls.map(([line]) => line)).toEqual(['payments job refund-campaign refund-1 failed (attempt 1 of 3); retried later: Stripe answered 500']);
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'payments job refund-campaign refund-1 failed (attempt 3 of 3); kept failed: Stripe answered 500',
      'payments job refund-campaign refund-1 failed (attempt 1 of 3); kept failed: no such payment',
    ]);
    expect(await failures(false)).toBe(retries + 1);
    expect(await failures(true)).toBe(finals + 2);
  });

  it("logs only the error's class where its message may quote a member", () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    new QuietProcessor().logFailedRun(job(3), new UnrecoverableError('carrier refused: Ada Lovelace, 12 St James Sq'));
    expect(warn.mock.calls.map(([line]) => line)).toEqual(['payments job refund-campaign refund-1 failed (attempt 3 of 3); kept failed: UnrecoverableError']);
  });
});
