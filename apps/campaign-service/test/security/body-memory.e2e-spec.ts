import { randomUUID } from 'node:crypto';
import { freePort, ServiceProcess, serviceNodeOptions, useIsolatedEnvironment } from '@app/testing';

/**
 * OWASP API4 (unrestricted resource consumption): the API runs with a 256 MB old generation
 * (package.json config.serviceNodeOptions), and a JSON body takes far more heap once parsed than
 * its bytes — 5 MB of `[{},{},…]` become ~117 MB of objects. Bodies sent at once, by anyone (the
 * parser runs before any route or key check), must never run it out of memory: under `npm
 * start` a crashed service stops every other one.
 */
/** Score batches take the largest bodies (5 MB; every other route but the code uploads and webhooks 256 kB). */
const PROVIDER = { 'X-Provider-Key': 'klout-test-key' };

describe('JSON bodies against the production heap limit (e2e)', () => {
  let api: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    const env = await useIsolatedEnvironment();
    // Memory is measured here, not speed: on a CI machine busy with other suites, the bodies parsed
    // one after another outlasted the 30 s request timeout, and Node cut the last ones mid-upload.
    api = new ServiceProcess(
      'campaign-service',
      { DATABASE_URL: env.databaseUrl, REDIS_PREFIX: env.redisPrefix, REQUEST_TIMEOUT_MS: '120000' },
      serviceNodeOptions('campaign-service'),
    );
    port = await freePort();
    await api.start(port);
  }, 90_000);
  afterAll(() => api.kill('SIGKILL'));

  type Answer = { status: number; code?: string };
  /**
   * Every request on a connection of its own (`Connection: close`): a kept-alive one left idle by
   * the last test is closed by the service after 5 s (Node's keepAliveTimeout), and a client busy
   * building its next bodies (as here, under CI load) does not see the close before writing on it:
   * once in CI 4 of 12 uploads met a reset connection (status 0) while the service stayed up.
   */
  const call = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { ...init.headers, Connection: 'close' } });
  const send = (path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> =>
    call(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body }).then(
      async (res): Promise<Answer> => ({ status: res.status, code: ((await res.json()) as { code?: string }).code }),
      (error: Error & { cause?: unknown }): Answer => ({ status: 0, code: `${error.message}: ${String(error.cause)}` }),
    );
  const live = async () => (await call('/health/live')).status;
  const fiveMegabytesOf = (item: string) => `{"a":[${`${item},`.repeat(Math.floor((5 * 1024 * 1024 - 16) / (item.length + 1)) - 1)}${item}]}`;

  it('refuses a body of millions of empty objects before parsing it, however many arrive at once', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => send('/scores/batch', fiveMegabytesOf('{}'), PROVIDER)));
    expect(answers).toEqual(Array(10).fill({ status: 413, code: 'PAYLOAD_TOO_LARGE' }));
    expect(await live()).toBe(200);
  }, 60_000);

  it('parses only as many large bodies at once as the heap holds, and answers the others 503 to retry', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => send('/scores/batch', fiveMegabytesOf('1'), PROVIDER)));
    // Each one parsed is refused for its unknown field; the ones that found the heap full, 503.
    expect(answers.filter((a) => a.status === 400)).not.toHaveLength(0);
    expect(answers.filter((a) => a.status !== 400)).toEqual(answers.filter((a) => a.status === 503).map(() => ({ status: 503, code: 'SERVICE_UNAVAILABLE' })));
    expect(await live()).toBe(200);
  }, 150_000);

  it('takes a flood of the largest score batches a provider may send without running out of memory', async () => {
    // 10,000 items with a dozen topics each: 4.5 MB, the most a batch holds. 40 at once ran the API out of memory.
    const batch = JSON.stringify({
      scoredAt: '2026-11-01T00:00:00Z',
      scores: Array.from({ length: 10_000 }, (_, i) => ({ memberId: randomUUID(), score: i % 100, topics: Array.from({ length: 12 }, (_, j) => ({ topic: `topic-${j}`, score: j })) })),
    });
    const answers = await Promise.all(Array.from({ length: 30 }, () => send('/scores/batch', batch, PROVIDER)));
    expect(answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
    expect(answers.filter((a) => a.status === 202)).not.toHaveLength(0);
    expect(await live()).toBe(200);
  }, 120_000);
});
