import { Periodic } from './periodic';

describe('Periodic', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once per interval, skips a tick while the previous run goes on, and stop() waits for that run', async () => {
    let finish!: () => void;
    const run = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const periodic = new Periodic(1000, run, jest.fn());
    periodic.start();
    await jest.advanceTimersByTimeAsync(3500);
    expect(run).toHaveBeenCalledTimes(1);

    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('hands a failed run to onError and runs again at the next tick', async () => {
    const onError = jest.fn();
    const run = jest.fn().mockRejectedValueOnce(new Error('database away')).mockResolvedValue(undefined);
    const periodic = new Periodic(1000, run, onError);
    periodic.start();
    await jest.advanceTimersByTimeAsync(2000);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'database away' }));
    expect(run).toHaveBeenCalledTimes(2);
    await periodic.stop();
  });
});
