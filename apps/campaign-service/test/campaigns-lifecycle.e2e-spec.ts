import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { claimGateKeys, enqueueInTransaction, jobIdFor, QUEUES } from '@app/queue';
import { Actor, createBrand, createMember, createWorkerContext, loginAdmin, TestApp } from '@app/testing';
import { CampaignScheduleService } from '../../fulfillment-service/src/lifecycle/campaign-schedule.service';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { createCampaign, createCampaignTestApp, createLaunchable, markFunded, outboxJobs } from './campaign-fixtures';

const DAY = 24 * 3600_000;
/**
 * How far ahead a timed start or end is set: creating, approving and launching the campaign (and
 * pausing or ending it by hand) must be done by then, else it is launched live at once or its job
 * gets there first. These requests were given 1 to 2 s, which a busy CI machine may well take.
 */
const SETUP_MS = 6000;

describe('campaign lifecycle and moderation (e2e)', () => {
  let t: TestApp;
  let brand: Actor;
  let otherBrand: Actor;
  let member: Actor;
  let admin: Actor;

  beforeAll(async () => {
    t = await createCampaignTestApp();
    [brand, otherBrand, member, admin] = await Promise.all([
      createBrand(t.http, 'life-brand'),
      createBrand(t.http, 'life-other'),
      createMember(t.http),
      loginAdmin(t.http),
    ]);
  });
  afterAll(() => t.close());

  const post = (path: string, actor: Actor, body?: object) => t.http.post(path).set('Authorization', actor.auth).send(body);
  const statusOf = async (id: string) => (await t.http.get(`/campaigns/${id}`).set('Authorization', admin.auth).expect(200)).body;

  describe('launch', () => {
    it('refuses a draft with 409 CAMPAIGN_NOT_FUNDED', async () => {
      const campaign = await createCampaign(t.http, brand);
      await post(`/admin/campaigns/${campaign.id}/approve`, admin).expect(200);
      expect((await post(`/campaigns/${campaign.id}/launch`, brand).expect(409)).body.code).toBe('CAMPAIGN_NOT_FUNDED');
    });

    it('refuses a funded campaign pending review with 409 CAMPAIGN_NOT_APPROVED', async () => {
      const campaign = await createCampaign(t.http, brand);
      await markFunded(t.dataSource, campaign.id);
      expect((await post(`/campaigns/${campaign.id}/launch`, brand).expect(409)).body.code).toBe('CAMPAIGN_NOT_APPROVED');
    });

    it('refuses a digital-code perk without totalUnits codes with 409 INSUFFICIENT_CODES, then launches once loaded', async () => {
      const id = await createLaunchable(t, brand, admin, { totalUnits: 3, perk: { kind: 'digital_code', title: 'Code', unitCostCents: 100 } });
      await post(`/campaigns/${id}/codes`, brand, { codes: ['A', 'B'] }).expect(201);
      const res = await post(`/campaigns/${id}/launch`, brand).expect(409);
      expect(res.body).toMatchObject({ code: 'INSUFFICIENT_CODES', details: { required: 3, loaded: 2 } });
      await post(`/campaigns/${id}/codes`, brand, { codes: ['C'] }).expect(201);
      expect((await post(`/campaigns/${id}/launch`, brand).expect(200)).body).toEqual({ status: 'active' });
    });

    it('goes active at once without startsAt, queues matching and the timed end in the same transaction', async () => {
      const endsAt = new Date(Date.now() + 7 * DAY);
      const id = await createLaunchable(t, brand, admin, { endsAt: endsAt.toISOString() });
      expect((await post(`/campaigns/${id}/launch`, brand).expect(200)).body).toEqual({ status: 'active' });
      const campaign = await statusOf(id);
      expect(campaign).toMatchObject({ status: 'active', launchedAt: expect.any(String), startsAt: expect.any(String) });
      expect(campaign.startsAt).toBe(campaign.launchedAt);
      const jobs = await outboxJobs(t.dataSource, id);
      expect(jobs.map((j) => [j.queue, j.job_name, j.job_id])).toEqual([
        ['matching', 'match-campaign', `match-campaign.${id}`],
        ['campaign-lifecycle', 'end-campaign', `end-campaign.${id}`],
      ]);
      expect(new Date(jobs[1].run_at).getTime()).toBe(endsAt.getTime());
    });

    it('schedules a campaign whose startsAt is in the future, with start and end jobs at their times', async () => {
      const startsAt = new Date(Date.now() + DAY);
      const endsAt = new Date(Date.now() + 2 * DAY);
      const id = await createLaunchable(t, brand, admin, { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() });
      expect((await post(`/campaigns/${id}/launch`, admin).expect(200)).body).toEqual({ status: 'scheduled' });
      expect(await statusOf(id)).toMatchObject({ status: 'scheduled', launchedAt: null });
      const jobs = await outboxJobs(t.dataSource, id);
      expect(jobs.map((j) => [j.job_name, j.job_id, new Date(j.run_at).getTime()])).toEqual([
        ['start-campaign', `start-campaign.${id}`, startsAt.getTime()],
        ['end-campaign', `end-campaign.${id}`, endsAt.getTime()],
      ]);
    });

    it('launches once when two launch calls race: one 200, one 409 INVALID_TRANSITION, one set of jobs', async () => {
      const id = await createLaunchable(t, brand, admin);
      const results = await Promise.all([post(`/campaigns/${id}/launch`, brand), post(`/campaigns/${id}/launch`, admin)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)?.body.code).toBe('INVALID_TRANSITION');
      expect(await outboxJobs(t.dataSource, id)).toHaveLength(2);
    });
  });

  describe('pause, resume, end', () => {
    it('runs active ⇄ paused → ended with 409 INVALID_TRANSITION for every illegal step', async () => {
      const id = await createLaunchable(t, brand, admin);
      expect((await post(`/campaigns/${id}/pause`, brand).expect(409)).body.code).toBe('INVALID_TRANSITION');
      expect((await post(`/campaigns/${id}/resume`, brand).expect(409)).body.code).toBe('INVALID_TRANSITION');
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      expect((await post(`/campaigns/${id}/resume`, brand).expect(409)).body.code).toBe('INVALID_TRANSITION');
      expect((await post(`/campaigns/${id}/pause`, brand).expect(200)).body).toEqual({ status: 'paused' });
      expect((await post(`/campaigns/${id}/pause`, brand).expect(409)).body.code).toBe('INVALID_TRANSITION');
      expect((await post(`/campaigns/${id}/launch`, brand).expect(409)).body.code).toBe('INVALID_TRANSITION');
      expect((await post(`/campaigns/${id}/resume`, admin).expect(200)).body).toEqual({ status: 'active' });
      expect((await post(`/campaigns/${id}/end`, brand).expect(200)).body).toEqual({ status: 'ended' });
      for (const action of ['end', 'pause', 'resume', 'launch']) {
        expect((await post(`/campaigns/${id}/${action}`, brand).expect(409)).body.code).toBe('INVALID_TRANSITION');
      }
      const ended = await statusOf(id);
      expect(ended).toMatchObject({ status: 'ended', endedAt: expect.any(String) });
      const jobs = await outboxJobs(t.dataSource, id);
      expect(jobs.filter((j) => j.job_name === 'match-campaign')).toHaveLength(1);
      expect(jobs.at(-1)).toMatchObject({ queue: 'payments', job_name: 'refund-campaign', job_id: `refund-campaign.${id}` });
    });

    it('refuses to resume a paused campaign whose endsAt has passed before its end job ran (409 INVALID_TRANSITION); it can still end', async () => {
      const id = await createLaunchable(t, brand, admin);
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      await post(`/campaigns/${id}/pause`, brand).expect(200);
      // As while the workers are down across endsAt: the end job has not run.
      await t.dataSource.query(`UPDATE campaigns SET starts_at = NULL, ends_at = now() - interval '1 second' WHERE id = $1`, [id]);
      const refused = await post(`/campaigns/${id}/resume`, brand).expect(409);
      expect(refused.body).toMatchObject({ code: 'INVALID_TRANSITION', message: expect.stringContaining('endsAt has passed') });
      expect((await statusOf(id)).status).toBe('paused');
      expect((await post(`/campaigns/${id}/end`, brand).expect(200)).body).toEqual({ status: 'ended' });
    });

    it.each(['draft', 'funded'])('cancels a %s campaign before launch and queues its refund', async (state) => {
      const campaign = await createCampaign(t.http, brand);
      if (state === 'funded') await markFunded(t.dataSource, campaign.id);
      expect((await post(`/campaigns/${campaign.id}/end`, brand).expect(200)).body).toEqual({ status: 'ended' });
      expect((await outboxJobs(t.dataSource, campaign.id)).map((j) => j.job_name)).toEqual(['refund-campaign']);
    });

    it('shows sold_out while active with no unit left, and paused when paused', async () => {
      const id = await createLaunchable(t, brand, admin, { totalUnits: 2 });
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      await t.dataSource.query(`UPDATE campaigns SET claimed_units = 2 WHERE id = $1`, [id]);
      expect((await statusOf(id)).status).toBe('sold_out');
      expect((await post(`/campaigns/${id}/pause`, brand).expect(200)).body.status).toBe('paused');
      expect((await post(`/campaigns/${id}/resume`, brand).expect(200)).body.status).toBe('sold_out');
    });

    it('is 404 for another brand, 403 for a member, 401 anonymous', async () => {
      const id = await createLaunchable(t, brand, admin);
      for (const action of ['launch', 'pause', 'resume', 'end']) {
        await post(`/campaigns/${id}/${action}`, otherBrand).expect(404);
        await post(`/campaigns/${id}/${action}`, member).expect(403);
        await t.http.post(`/campaigns/${id}/${action}`).expect(401);
      }
      expect((await statusOf(id)).status).toBe('funded');
    });
  });

  describe('claim gate', () => {
    it('re-reads status and stock after each committed change', async () => {
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      try {
        const id = await createLaunchable(t, brand, admin, { totalUnits: 10 });
        const gate = async () => redis.hmget(claimGateKeys(t.redisPrefix, id).state, 'open', 'total');
        await post(`/campaigns/${id}/launch`, brand).expect(200);
        expect(await gate()).toEqual(['1', '10']);
        await post(`/campaigns/${id}/pause`, brand).expect(200);
        expect(await gate()).toEqual(['0', '10']);
        await post(`/campaigns/${id}/resume`, brand).expect(200);
        expect(await gate()).toEqual(['1', '10']);
        await post(`/admin/campaigns/${id}/inventory-adjustments`, admin, { delta: 5, reason: 'restock' }).expect(201);
        expect(await gate()).toEqual(['1', '15']);
        await post(`/admin/campaigns/${id}/reject`, admin, { reason: 'hold' }).expect(200);
        expect(await gate()).toEqual(['0', '15']);
        await post(`/admin/campaigns/${id}/approve`, admin).expect(200);
        await post(`/campaigns/${id}/resume`, brand).expect(200);
        expect(await gate()).toEqual(['1', '15']);
        await post(`/campaigns/${id}/end`, brand).expect(200);
        expect(await gate()).toEqual(['0', '15']);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('moderation', () => {
    it('rejects with a reason the brand sees, and approval clears it', async () => {
      const campaign = await createCampaign(t.http, brand);
      const rejected = await post(`/admin/campaigns/${campaign.id}/reject`, admin, { reason: '  Misleading title  ' }).expect(200);
      expect(rejected.body).toMatchObject({ reviewStatus: 'rejected', reviewReason: 'Misleading title', status: 'draft' });
      const seen = await t.http.get(`/campaigns/${campaign.id}`).set('Authorization', brand.auth).expect(200);
      expect(seen.body).toMatchObject({ reviewStatus: 'rejected', reviewReason: 'Misleading title' });
      const approved = await post(`/admin/campaigns/${campaign.id}/approve`, admin).expect(200);
      expect(approved.body).toMatchObject({ reviewStatus: 'approved', reviewReason: null });
    });

    it('sends an edited draft back for review: an approval does not carry over to new content, and a rejected draft can be fixed', async () => {
      const campaign = await createCampaign(t.http, brand);
      await post(`/admin/campaigns/${campaign.id}/approve`, admin).expect(200);
      const edited = await t.http.patch(`/campaigns/${campaign.id}`).set('Authorization', brand.auth).send({ name: 'Something else' }).expect(200);
      expect(edited.body).toMatchObject({ reviewStatus: 'pending', reviewReason: null });
      await markFunded(t.dataSource, campaign.id);
      expect((await post(`/campaigns/${campaign.id}/launch`, brand).expect(409)).body.code).toBe('CAMPAIGN_NOT_APPROVED');

      const other = await createCampaign(t.http, brand);
      await post(`/admin/campaigns/${other.id}/reject`, admin, { reason: 'Misleading title' }).expect(200);
      const fixed = await t.http.patch(`/campaigns/${other.id}`).set('Authorization', brand.auth).send({ name: 'Honest title' }).expect(200);
      expect(fixed.body).toMatchObject({ reviewStatus: 'pending', reviewReason: null });
    });

    it('takes a live campaign off the shelf on rejection until it is approved again', async () => {
      const id = await createLaunchable(t, brand, admin);
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      expect((await post(`/admin/campaigns/${id}/reject`, admin, { reason: 'Complaints' }).expect(200)).body.status).toBe('paused');
      expect((await post(`/campaigns/${id}/resume`, brand).expect(409)).body.code).toBe('CAMPAIGN_NOT_APPROVED');
      await post(`/admin/campaigns/${id}/approve`, admin).expect(200);
      expect((await post(`/campaigns/${id}/resume`, brand).expect(200)).body.status).toBe('active');
    });

    it('resumes a campaign rejected while scheduled as scheduled: it goes live at startsAt, not at the approval', async () => {
      const startsAt = new Date(Date.now() + DAY);
      const id = await createLaunchable(t, brand, admin, { startsAt: startsAt.toISOString(), endsAt: new Date(Date.now() + 2 * DAY).toISOString() });
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      expect((await post(`/admin/campaigns/${id}/reject`, admin, { reason: 'Complaints' }).expect(200)).body.status).toBe('paused');
      await post(`/admin/campaigns/${id}/approve`, admin).expect(200);
      expect((await post(`/campaigns/${id}/resume`, brand).expect(200)).body).toEqual({ status: 'scheduled' });
      expect(await statusOf(id)).toMatchObject({ status: 'scheduled', launchedAt: null });
      // No matching yet: the start job still pending at startsAt does it.
      expect((await outboxJobs(t.dataSource, id)).map((j) => j.job_name)).not.toContain('match-campaign');
    });

    it('refuses reviews of an ended campaign with 409 INVALID_TRANSITION', async () => {
      const campaign = await createCampaign(t.http, brand);
      await post(`/campaigns/${campaign.id}/end`, brand).expect(200);
      expect((await post(`/admin/campaigns/${campaign.id}/approve`, admin).expect(409)).body.code).toBe('INVALID_TRANSITION');
      expect((await post(`/admin/campaigns/${campaign.id}/reject`, admin, { reason: 'x' }).expect(409)).body.code).toBe('INVALID_TRANSITION');
    });

    it('needs a non-blank reason, admins only, and 404 for unknown campaigns', async () => {
      const campaign = await createCampaign(t.http, brand);
      for (const body of [{}, { reason: '   ' }, { reason: 42 }, { reason: 'ok', extra: 1 }]) {
        const res = await post(`/admin/campaigns/${campaign.id}/reject`, admin, body).expect(400);
        expect(res.body.details[0].field).toBe('extra' in body ? 'extra' : 'reason');
      }
      await post(`/admin/campaigns/${campaign.id}/approve`, brand).expect(403);
      await post(`/admin/campaigns/${campaign.id}/reject`, member, { reason: 'x' }).expect(403);
      await t.http.post(`/admin/campaigns/${campaign.id}/approve`).expect(401);
      await post('/admin/campaigns/00000000-0000-0000-0000-000000000000/approve', admin).expect(404);
      expect((await statusOf(campaign.id)).reviewStatus).toBe('pending');
    });
  });

  describe('timed start and end (fulfillment worker)', () => {
    let worker: INestApplicationContext;

    beforeAll(async () => {
      worker = await createWorkerContext(FulfillmentModule);
    });
    afterAll(() => worker.close());

    async function waitForStatus(id: string, status: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const campaign = await statusOf(id);
        if (campaign.status === status) return campaign;
        if (Date.now() > deadline) throw new Error(`campaign ${id} still ${campaign.status}, expected ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it('activates a scheduled campaign at startsAt and ends it at endsAt, queueing matching and the refund', async () => {
      const startsAt = new Date(Date.now() + SETUP_MS);
      const endsAt = new Date(startsAt.getTime() + 2000);
      const id = await createLaunchable(t, brand, admin, { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() });
      expect((await post(`/campaigns/${id}/launch`, brand).expect(200)).body.status).toBe('scheduled');
      const gateState = claimGateKeys(t.redisPrefix, id).state;
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      expect(await redis.hget(gateState, 'open')).toBe('0');

      const active = await waitForStatus(id, 'active');
      // the worker drops the gate's cached "closed" right after its commit, so the next claim reloads it as open
      for (let i = 0; i < 100 && (await redis.hget(gateState, 'open')) !== null; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await redis.hget(gateState, 'open')).toBeNull();
      redis.disconnect();
      const activatedAt = Date.parse(active.launchedAt as string);
      expect(activatedAt).toBeGreaterThanOrEqual(startsAt.getTime());
      expect(activatedAt - startsAt.getTime()).toBeLessThan(5000);

      const ended = await waitForStatus(id, 'ended');
      const endedAt = Date.parse(ended.endedAt as string);
      expect(endedAt).toBeGreaterThanOrEqual(endsAt.getTime());
      expect(endedAt - endsAt.getTime()).toBeLessThan(5000);
      process.stdout.write(`lifecycle timing: started ${activatedAt - startsAt.getTime()} ms after startsAt, ended ${endedAt - endsAt.getTime()} ms after endsAt\n`);

      const jobs = await outboxJobs(t.dataSource, id);
      expect(jobs.map((j) => j.job_name)).toEqual(['start-campaign', 'end-campaign', 'match-campaign', 'refund-campaign']);
    });

    it('a paused campaign is not started, but still ends on time', async () => {
      const id = await createLaunchable(t, brand, admin, {
        startsAt: new Date(Date.now() + SETUP_MS).toISOString(),
        endsAt: new Date(Date.now() + SETUP_MS + 1500).toISOString(),
      });
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      await post(`/admin/campaigns/${id}/reject`, admin, { reason: 'hold' }).expect(200);
      expect((await statusOf(id)).status).toBe('paused');
      const ended = await waitForStatus(id, 'ended');
      expect(ended.launchedAt).toBeNull();
      expect((await outboxJobs(t.dataSource, id)).map((j) => j.job_name)).not.toContain('match-campaign');
    });

    it('a start that runs after endsAt too (workers down across both) ends the campaign without taking it live or matching', async () => {
      const id = await createLaunchable(t, brand, admin, {
        startsAt: new Date(Date.now() + 60_000).toISOString(),
        endsAt: new Date(Date.now() + 120_000).toISOString(),
      });
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      await t.dataSource.query(`UPDATE campaigns SET starts_at = now() - interval '2 minutes', ends_at = now() - interval '1 minute' WHERE id = $1`, [id]);
      expect(await worker.get(CampaignScheduleService).start(id)).toEqual({ outcome: 'ended' });
      expect(await statusOf(id)).toMatchObject({ status: 'ended', launchedAt: null, endedAt: expect.any(String) });
      const jobs = (await outboxJobs(t.dataSource, id)).map((j) => j.job_name);
      expect(jobs).not.toContain('match-campaign');
      expect(jobs.filter((name) => name === 'refund-campaign')).toHaveLength(1);
      expect(await worker.get(CampaignScheduleService).end(id)).toMatchObject({ outcome: 'skipped', reason: 'not_endable' });
    });

    it('a campaign ended by hand is left alone by its end job', async () => {
      const id = await createLaunchable(t, brand, admin, { endsAt: new Date(Date.now() + SETUP_MS).toISOString() });
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      await post(`/campaigns/${id}/end`, brand).expect(200);
      const endedAt = (await statusOf(id)).endedAt;
      const lifecycle = worker.get<Queue>(getQueueToken(QUEUES.lifecycle.name), { strict: false });
      const endJob = async () => lifecycle.getJob(jobIdFor('end-campaign', id));
      for (let i = 0; i < 300 && !(await endJob())?.finishedOn; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await endJob())?.returnvalue).toMatchObject({ outcome: 'skipped', reason: 'not_endable' });
      const after = await statusOf(id);
      expect(after).toMatchObject({ status: 'ended', endedAt });
      expect((await outboxJobs(t.dataSource, id)).filter((j) => j.job_name === 'refund-campaign')).toHaveLength(1);
    });

    it('drops the claim gate\'s cached state on a retried end job whose end already committed', async () => {
      const id = await createLaunchable(t, brand, admin, { endsAt: new Date(Date.now() + 3_600_000).toISOString() });
      await post(`/campaigns/${id}/launch`, brand).expect(200);
      // A first attempt committed the end, then failed to reach Redis: the gate still caches the campaign as open.
      await t.dataSource.query(`UPDATE campaigns SET status = 'ended', ended_at = now() WHERE id = $1`, [id]);
      const gateState = claimGateKeys(t.redisPrefix, id).state;
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      try {
        await redis.hset(gateState, 'open', '1');
        await t.dataSource.transaction((manager) =>
          enqueueInTransaction(manager, { queue: 'lifecycle', name: 'end-campaign', data: { campaignId: id }, jobId: jobIdFor('end-campaign', id, 'retry') }),
        );
        for (let i = 0; i < 100 && (await redis.exists(gateState)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await redis.exists(gateState)).toBe(0);
      } finally {
        redis.disconnect();
      }
    });
  });
});
