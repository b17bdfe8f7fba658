import { ALL_QUEUE_NAMES, QUEUES, retryHorizonSeconds } from './queues';

describe('retryHorizonSeconds', () => {
  const DAY = 86_400;

  it('covers a queue’s whole retry schedule plus a day: ~17 minutes of retries for most, ~3 days for lifecycle and payments', () => {
    expect(retryHorizonSeconds(QUEUES.fulfillment.name)).toBe(1_024 + DAY);
    expect(retryHorizonSeconds(QUEUES.lifecycle.name)).toBe(262_144 + DAY);
    expect(retryHorizonSeconds(QUEUES.payments.name)).toBe(262_144 + DAY);
  });

  it('is at least a day for every queue', () => {
    for (const name of ALL_QUEUE_NAMES) expect(retryHorizonSeconds(name)).toBeGreaterThan(DAY);
  });
});
