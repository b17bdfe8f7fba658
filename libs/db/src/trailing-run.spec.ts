import { TrailingRun } from './trailing-run';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('TrailingRun', () => {
  it('runs at once when idle, and once more after the current run for everyone who asked meanwhile', async () => {
    const runs = new TrailingRun();
    const finishers: (() => void)[] = [];
    let started = 0;
    const work = () => {
      started++;
      return new Promise<void>((resolve) => finishers.push(resolve));
    };
    const first = runs.run('k', work);
    const waiting = [runs.run('k', work), runs.run('k', work), runs.run('k', work)];
    await turn();
    expect(started).toBe(1);
    finishers[0]();
    await first;
    await turn();
    expect(started).toBe(2);
    // Asked while the trailing run is in progress: a third run, after it.
    const later = runs.run('k', work);
    finishers[1]();
    await Promise.all(waiting);
    await turn();
    expect(started).toBe(3);
    finishers[2]();
    await later;
  });

  it('keeps keys apart, starts afresh once idle, and goes on after a failed run', async () => {
    const runs = new TrailingRun();
    let started = 0;
    const failing = runs.run('a', async () => {
      started++;
      throw new Error('boom');
    });
    const after = runs.run('a', async () => void started++);
    await runs.run('b', async () => void started++);
    await expect(failing).rejects.toThrow('boom');
    await after;
    await runs.run('a', async () => void started++);
    expect(started).toBe(4);
  });
});
