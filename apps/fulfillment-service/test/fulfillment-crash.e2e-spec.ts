import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/db';
import { freePort, ServiceProcess, useIsolatedEnvironment, waitForLockWaiter } from '@app/testing';
import { CarrierStub } from './support/carrier-stub';
import { claimStates, seedClaims, until } from './support/fulfillment-fixtures';

/**
 * A fulfillment worker is SIGKILLed in the middle of its jobs (digital codes being assigned,
 * shipments being handed to a carrier that has not answered yet). After a restart every
 * claim ends fulfilled exactly once: one code each, one shipment each, one carrier shipment each.
 */
describe('fulfillment worker killed mid-job (e2e)', () => {
  let db: DataSource;
  let carrier: CarrierStub;
  let worker: ServiceProcess;
  let hangFirstRequests = true;

  beforeAll(async () => {
    const env = await useIsolatedEnvironment();
    carrier = new CarrierStub(() => (hangFirstRequests ? 'hang' : 201));
    const carrierUrl = await carrier.start();
    db = await new DataSource(dataSourceOptions(env.databaseUrl, 4)).initialize();
    worker = new ServiceProcess('fulfillment-service', {
      DATABASE_URL: env.databaseUrl,
      REDIS_PREFIX: env.redisPrefix,
      SHIPPING_PROVIDER: 'webhook',
      SHIPPING_WEBHOOK_URL: carrierUrl,
      SHIPPING_WEBHOOK_SECRET: 'carrier-secret',
      FULFILLMENT_LOCK_MS: '1500',
      FULFILLMENT_CONCURRENCY: '50',
    });
  });
  afterAll(async () => {
    await worker.kill('SIGKILL');
    await carrier.stop();
    await db.destroy();
  });

  it('fulfils every claim exactly once after a SIGKILL and a restart', async () => {
    const physical = await seedClaims(db, { kind: 'physical', claims: 5 });
    const digital = await seedClaims(db, { kind: 'digital_code', claims: 3000 });
    await worker.start(await freePort());

    // Kill while codes are being assigned and the carrier holds the shipment requests open.
    await until(async () => carrier.requests.length, (n) => n >= 5, 30000, 10);
    await until(
      async () => (await db.query(`SELECT EXISTS (SELECT 1 FROM claims WHERE campaign_id = $1 AND status = 'fulfilled') AS any`, [digital.campaignId]))[0].any,
      Boolean,
      60000,
      5,
    );
    await worker.kill('SIGKILL');
    const atKill = await claimStates(db, digital.campaignId);
    hangFirstRequests = false;

    await worker.start(await freePort());
    const codes = await until(() => claimStates(db, digital.campaignId), (s) => s.fulfilled === 3000, 60000);
    expect(codes).toEqual({ fulfilled: 3000, pending: 0, failed: 0, codes_assigned: 3000, distinct_codes: 3000, shipments: 0, claimed_units: 3000 });
    expect(atKill.fulfilled).toBeLessThan(3000);

    const shipments = await until(
      () => db.query(`SELECT s.status, s.claim_id FROM shipments s JOIN claims c ON c.id = s.claim_id WHERE c.campaign_id = $1`, [physical.campaignId]),
      (rows: { status: string }[]) => rows.length === 5 && rows.every((r) => r.status === 'submitted'),
      30000,
    );
    expect(shipments).toHaveLength(5);
    // Resent after the crash, but always under the shipment's own key: the carrier made 5 shipments.
    expect(carrier.created.size).toBe(5);
    const keysPerClaim = new Map<string, Set<string>>();
    for (const r of carrier.requests) keysPerClaim.set(r.body.claimId, (keysPerClaim.get(r.body.claimId) ?? new Set()).add(r.idempotencyKey));
    expect([...keysPerClaim.values()].map((keys) => keys.size)).toEqual([1, 1, 1, 1, 1]);
    expect(carrier.requests.length).toBeGreaterThan(5);
    process.stdout.write(`killed with ${atKill.fulfilled}/3000 codes assigned; all 3000 + 5 shipments done after restart\n`);
  }, 150_000);

  it('exits within its shutdown bound on SIGTERM though its jobs wait on a lock, and loses none', async () => {
    await worker.kill('SIGKILL');
    const bounded = new ServiceProcess('fulfillment-service', { ...worker.env, FULFILLMENT_SHUTDOWN_MS: '1000', FULFILLMENT_LOCK_MS: '1500' });
    const digital = await seedClaims(db, { kind: 'digital_code', claims: 50 });
    // Every code assignment waits on this lock until it is released, after the worker is gone.
    const blocker = db.createQueryRunner();
    await blocker.startTransaction();
    await blocker.query(`LOCK TABLE campaign_codes IN EXCLUSIVE MODE`);
    await bounded.start(await freePort());
    await waitForLockWaiter(db);
    const started = Date.now();
    await bounded.kill('SIGTERM');
    const took = Date.now() - started;
    await blocker.rollbackTransaction();
    await blocker.release();
    // FULFILLMENT_SHUTDOWN_MS for the jobs, 3 s more for the rest; without the bound it waited for the lock.
    expect(took).toBeLessThan(6000);

    await worker.start(await freePort());
    expect(await until(() => claimStates(db, digital.campaignId), (s) => s.fulfilled === 50, 60000)).toMatchObject({ fulfilled: 50, distinct_codes: 50 });
  }, 90_000);
});
