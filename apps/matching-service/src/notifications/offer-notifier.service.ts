import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { JobPayloads } from '@app/queue';

const notificationsCreated = new Counter({ name: 'offer_notifications_created_total', help: 'In-app notifications for new offers' });

/** Offers turned into notifications per statement when a whole matching run is notified. */
const RUN_BATCH = 5000;

/**
 * `live` key-share-locks the members' rows: an erasure in flight (which holds its member's row
 * FOR UPDATE) is waited for, and its member, erased once it commits, is left out — the statement's
 * snapshot alone would still show them live, and their notification would outlive the erasure.
 */
const NOTIFY_SQL = (members: string) => `
  WITH batch AS (${members}),
  live AS (
    SELECT u.id FROM users u JOIN batch b ON b.member_id = u.id WHERE u.erased_at IS NULL FOR KEY SHARE OF u
  ),
  created AS (
    INSERT INTO notifications (member_id, kind, title, data, campaign_id)
    SELECT b.member_id, 'offer', 'New perk for you: ' || c.perk_title,
           jsonb_build_object('campaignId', c.id, 'perkTitle', c.perk_title,
             -- as every timestamp of the API (toISOString), not jsonb's '+00:00' text
             'endsAt', to_char(c.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), c.id
    FROM batch b
    JOIN campaigns c ON c.id = $1
    JOIN live l ON l.id = b.member_id
    ON CONFLICT (member_id, campaign_id) WHERE kind = 'offer' DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT max(member_id::text) FROM batch) AS last, (SELECT count(*) FROM created)::int AS created`;

/**
 * Turns new offers into in-app notifications set-based: the listed members' offers, or
 * (after a matching run) every offer of the campaign, walked in member-id batches. The
 * unique (member, campaign) index for `offer` notifications makes a replay a no-op.
 */
@Injectable()
export class OfferNotifier {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async notify(job: JobPayloads['notify-offers']): Promise<number> {
    if (job.memberIds) {
      const [{ created }] = await this.dataSource.query(
        NOTIFY_SQL(`SELECT member_id FROM offers WHERE campaign_id = $1 AND member_id = ANY($2::uuid[])`),
        [job.campaignId, job.memberIds],
      );
      notificationsCreated.inc(created);
      return created;
    }
    let total = 0;
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const [{ last, created }]: { last: string | null; created: number }[] = await this.dataSource.query(
        NOTIFY_SQL(`SELECT member_id FROM offers WHERE campaign_id = $1 AND member_id > $2::uuid ORDER BY member_id LIMIT $3`),
        [job.campaignId, after, RUN_BATCH],
      );
      total += created;
      notificationsCreated.inc(created);
      if (!last) return total;
      after = last;
    }
  }
}
