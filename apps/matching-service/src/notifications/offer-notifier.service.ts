import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { JobPayloads } from '@app/queue';

const notificationsCreated = new Counter({ name: 'offer_notifications_created_total', help: 'In-app notifications for new offers' });

/**
 * Turns a batch of new offers into in-app notifications with one INSERT … SELECT. The
 * unique (member, campaign) index for `offer` notifications makes a replayed batch a no-op.
 */
@Injectable()
export class OfferNotifier {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async notify(batch: JobPayloads['notify-offers']): Promise<number> {
    const [{ created }]: { created: number }[] = await this.dataSource.query(
      `WITH created AS (
         INSERT INTO notifications (member_id, kind, title, data, campaign_id)
         SELECT o.member_id, 'offer', 'New perk for you: ' || c.perk_title,
                jsonb_build_object('campaignId', c.id, 'perkTitle', c.perk_title, 'endsAt', c.ends_at), c.id
         FROM offers o
         JOIN campaigns c ON c.id = o.campaign_id
         JOIN users u ON u.id = o.member_id AND u.erased_at IS NULL
         WHERE o.campaign_id = $1 AND o.member_id = ANY($2::uuid[])
         ON CONFLICT (member_id, campaign_id) WHERE kind = 'offer' DO NOTHING
         RETURNING 1
       )
       SELECT count(*)::int AS created FROM created`,
      [batch.campaignId, batch.memberIds],
    );
    notificationsCreated.inc(created);
    return created;
  }
}
