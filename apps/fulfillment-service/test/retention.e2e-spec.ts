import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { createTestApp } from '@app/testing';
import { FulfillmentModule } from '../src/fulfillment.module';
import { RetentionPruner } from '../src/retention/retention-pruner.service';

describe('retention pruner (e2e)', () => {
  let worker: INestApplicationContext;
  let dataSource: DataSource;

  beforeAll(async () => {
    const t = await createTestApp(FulfillmentModule);
    worker = t.app;
    dataSource = worker.get(getDataSourceToken());
  });

  afterAll(async () => {
    await worker.close();
  });

  /** A campaign in `status`, ended `endedDaysAgo` days ago (null: not ended). */
  async function campaign(status: string, endedDaysAgo: number | null): Promise<string> {
    const [brand] = await dataSource.query(`INSERT INTO brands (name) VALUES ('retention brand') RETURNING id`);
    const [row] = await dataSource.query(
      `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, ends_at, eligibility,
                              status, review_status, funding_required_cents, ended_at)
       VALUES ($1, 'Perk', 'experience', 'Perk title', 100, 10, now() + interval '1 day', '{"provider":"klout"}', $2, 'approved', 0,
               now() - make_interval(days => $3))
       RETURNING id`,
      [brand.id, status, endedDaysAgo],
    );
    return row.id as string;
  }

  it('deletes the offer notifications of campaigns ended past NOTIFICATION_RETENTION_DAYS (30), and nothing else', async () => {
    const [member] = await dataSource.query(`INSERT INTO users (email, role) VALUES ('retention@test.local', 'member') RETURNING id`);
    const endedLongAgo = await campaign('ended', 31);
    const endedRecently = await campaign('ended', 29);
    const live = await campaign('active', null);
    const notify = (kind: string, campaignId: string | null) =>
      dataSource.query(`INSERT INTO notifications (member_id, kind, title, campaign_id) VALUES ($1, $2, 'n', $3)`, [member.id, kind, campaignId]);
    await notify('offer', endedLongAgo);
    await notify('offer', endedRecently);
    await notify('offer', live);
    // A failed claim's notice is about the member's own claim: not an offer, kept whatever the campaign.
    await notify('claim_failed', endedLongAgo);
    await notify('payment_dispute', null);
    // The offer itself stays: it is counted in the campaign's stats and the member's export.
    await dataSource.query(`INSERT INTO offers (campaign_id, member_id) VALUES ($1, $2)`, [endedLongAgo, member.id]);

    expect(await worker.get(RetentionPruner).prune()).toMatchObject({ notifications: 1 });
    const left = await dataSource.query(`SELECT kind, campaign_id FROM notifications WHERE member_id = $1 ORDER BY kind, campaign_id`, [member.id]);
    expect(left).toEqual(
      expect.arrayContaining([
        { kind: 'claim_failed', campaign_id: endedLongAgo },
        { kind: 'offer', campaign_id: endedRecently },
        { kind: 'offer', campaign_id: live },
        { kind: 'payment_dispute', campaign_id: null },
      ]),
    );
    expect(left).toHaveLength(4);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM offers WHERE member_id = $1`, [member.id])).toEqual([{ n: 1 }]);
    // Nothing left to delete: a second pass changes nothing.
    expect(await worker.get(RetentionPruner).prune()).toMatchObject({ notifications: 0 });
  });

  it('deletes a large backlog a batch at a time', async () => {
    const ended = await campaign('ended', 60);
    await dataSource.query(
      `WITH m AS (INSERT INTO users (email, role) SELECT 'bulk-' || g || '@test.local', 'member' FROM generate_series(1, 12000) g RETURNING id)
       INSERT INTO notifications (member_id, kind, title, campaign_id) SELECT id, 'offer', 'n', $1 FROM m`,
      [ended],
    );
    expect(await worker.get(RetentionPruner).prune()).toMatchObject({ notifications: 12000 });
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM notifications WHERE campaign_id = $1`, [ended])).toEqual([{ n: 0 }]);
  });

  it('deletes login sessions whose every token expired past SESSION_RETENTION_DAYS (90), whole; keeps the rest', async () => {
    const [user] = await dataSource.query(`INSERT INTO users (email, role) VALUES ('sessions@test.local', 'member') RETURNING id`);
    // One token a row: its family (session), how many days ago it was made and expires (negative: ahead), how it ended.
    const token = (family: string, createdDaysAgo: number, expiresDaysAgo: number, reason: string | null) =>
      dataSource.query(
        `INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at, revoked_at, revoke_reason)
         VALUES ($1, $2, sha256(gen_random_uuid()::text::bytea), now() - make_interval(days => $3), now() - make_interval(days => $4),
                 CASE WHEN $5::text IS NOT NULL THEN now() - make_interval(days => $3) END, $5)`,
        [user.id, family, createdDaysAgo, expiresDaysAgo, reason],
      );
    const [expiredLongAgo, loggedOutLongAgo, expiredRecently, live] = Array.from({ length: 4 }, () => randomUUID());
    await token(expiredLongAgo, 130, 100, 'rotated');
    await token(expiredLongAgo, 125, 95, null);
    await token(loggedOutLongAgo, 125, 95, 'logout');
    await token(expiredRecently, 125, 95, 'rotated');
    await token(expiredRecently, 119, 89, null);
    // Renewed ever since its login: its first token, rotated and long expired, still dates its start.
    await token(live, 200, 170, 'rotated');
    // … and a twin of its second token (two tabs renewing at once), never used: a last token long expired, in a session still live.
    await token(live, 195, 165, null);
    await token(live, 1, -29, null);

    expect(await worker.get(RetentionPruner).prune()).toMatchObject({ refresh_tokens: 3 });
    const left = await dataSource.query(`SELECT family_id, count(*)::int AS tokens FROM refresh_tokens WHERE user_id = $1 GROUP BY family_id`, [user.id]);
    expect(left).toEqual(
      expect.arrayContaining([
        { family_id: expiredRecently, tokens: 2 },
        { family_id: live, tokens: 3 },
      ]),
    );
    expect(left).toHaveLength(2);
  });
});
