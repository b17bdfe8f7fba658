import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { Actor, TestApp, TestAppOptions } from '@app/testing';
import { createCampaignServiceApp } from './app';

const DAY = 24 * 3600_000;

/** The campaign-service with rate limits off: these specs register many accounts from one IP. */
export function createCampaignTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return createCampaignServiceApp({
    ...options,
    env: { RATE_LIMIT_REGISTER: '0', RATE_LIMIT_LOGIN: '0', RATE_LIMIT_LOGIN_ACCOUNT: '0', RATE_LIMIT_LOGIN_IP: '0', RATE_LIMIT_IP: '0', RATE_LIMIT_ACCOUNT: '0', ...options.env },
  });
}

/** A valid `POST /campaigns` body (API.md example), ending in 30 days. */
export function campaignBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Winter coffee',
    description: 'A month of coffee',
    perk: { kind: 'physical', title: 'Coffee box', unitCostCents: 500 },
    totalUnits: 1000,
    perMemberLimit: 1,
    endsAt: new Date(Date.now() + 30 * DAY).toISOString(),
    eligibility: { provider: 'klout', minScore: 40, minPercentile: 90, topics: ['tech', 'gaming'], minTopicScore: 30, countries: ['US', 'CA'], minAge: 18 },
    ...overrides,
  };
}

export async function createCampaign(http: TestAgent, brand: Actor, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown> & { id: string }> {
  const res = await http.post('/campaigns').set('Authorization', brand.auth).send(campaignBody(overrides));
  if (res.status !== 201) throw new Error(`create campaign: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Marks a campaign funded through the same guarded statement the Stripe webhook runs
 * (`draft` → `funded`, nothing else); returns whether it changed the campaign.
 */
export async function markFunded(dataSource: DataSource, campaignId: string): Promise<boolean> {
  const [, affected] = await dataSource.query(`UPDATE campaigns SET status = 'funded', updated_at = now() WHERE id = $1 AND status = 'draft'`, [
    campaignId,
  ]);
  return affected === 1;
}

/** A funded, approved campaign, ready to launch. */
export async function createLaunchable(t: TestApp, brand: Actor, admin: Actor, overrides: Record<string, unknown> = {}): Promise<string> {
  const campaign = await createCampaign(t.http, brand, overrides);
  await markFunded(t.dataSource, campaign.id);
  await t.http.post(`/admin/campaigns/${campaign.id}/approve`).set('Authorization', admin.auth).expect(200);
  return campaign.id;
}

/** The outbox rows a campaign produced, oldest first. */
export async function outboxJobs(dataSource: DataSource, campaignId: string): Promise<{ queue: string; job_name: string; job_id: string; run_at: Date }[]> {
  return dataSource.query(`SELECT queue, job_name, job_id, run_at FROM outbox WHERE payload->>'campaignId' = $1 ORDER BY id`, [campaignId]);
}
