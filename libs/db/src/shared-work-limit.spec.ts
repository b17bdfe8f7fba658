import { SharedWorkLimit } from './shared-work-limit';

/** A piece of work that finishes when the test says so, and records that it started. */
function deferred(log: string[], name: string) {
  let finish!: (value: string) => void;
  let fail!: (error: Error) => void;
  const work = () => {
    log.push(name);
    return new Promise<string>((resolve, reject) => ((finish = resolve), (fail = reject)));
  };
  return { work, finish: (value = name) => finish(value), fail: (error: Error) => fail(error) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedWorkLimit', () => {
  it('runs at most `limit` pieces of work at once and starts the waiting ones in arrival order', async () => {
    const started: string[] = [];
    const limit = new SharedWorkLimit<string>(2);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => deferred(started, name));
    const results = [limit.run('a', a.work), limit.run('b', b.work), limit.run('c', c.work), limit.run('d', d.work)];
    await settle();
    expect(started).toEqual(['a', 'b']);
    b.finish();
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    a.finish();
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    c.finish();
    d.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('shares a running or waiting piece of work with every request under the same key', async () => {
    const started: string[] = [];
    const limit = new SharedWorkLimit<string>(1);
    const first = deferred(started, 'first');
    const second = deferred(started, 'second');
    const running = [limit.run('x', first.work), limit.run('x', first.work)];
    const waiting = [limit.run('y', second.work), limit.run('y', second.work)];
    first.finish('X');
    await settle();
    second.finish('Y');
    await expect(Promise.all([...running, ...waiting])).resolves.toEqual(['X', 'X', 'Y', 'Y']);
    expect(started).toEqual(['first', 'second']);
  });

  it('runs the work afresh once the shared run has finished', async () => {
    const limit = new SharedWorkLimit<number>(1);
    let runs = 0;
    await limit.run('k', async () => ++runs);
    await expect(limit.run('k', async () => ++runs)).resolves.toBe(2);
  });

  it('frees the slot and forgets the key when the work fails', async () => {
    const started: string[] = [];
    const limit = new SharedWorkLimit<string>(1);
    const failing = deferred(started, 'failing');
    const next = deferred(started, 'next');
    const failed = limit.run('k', failing.work);
    const after = limit.run('other', next.work);
    failing.fail(new Error('boom'));
    await expect(failed).rejects.toThrow('boom');
    await settle();
    expect(started).toEqual(['failing', 'next']);
    next.finish();
    await expect(after).resolves.toBe('next');
    await expect(limit.run('k', async () => 'again')).resolves.toBe('again');
  });
});
