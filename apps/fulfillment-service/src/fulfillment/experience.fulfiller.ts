import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FulfillmentOutcome } from './fulfillment-outcome';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 12 characters from a 32-letter alphabet without look-alikes: 60 bits, unique by index. */
function invitationCode(): string {
  const bytes = randomBytes(12);
  return `INV-${[...bytes].map((b) => ALPHABET[b % 32]).join('')}`;
}

/** Experience perks: an invitation with a unique code, issued once per claim. */
@Injectable()
export class ExperienceFulfiller {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async fulfil(claimId: string, round: number): Promise<FulfillmentOutcome> {
    // A unique-index collision (astronomically rare) fails the attempt; BullMQ retries with a new code.
    const rows: unknown[] = await this.dataSource.query(
      `WITH issued AS (
         UPDATE claims SET status = 'fulfilled', fulfillment = fulfillment || jsonb_build_object('invitation', $3::text),
                           fulfilled_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'pending' AND fulfillment_round = $2
         RETURNING id)
       SELECT id FROM issued`,
      [claimId, round, invitationCode()],
    );
    return rows.length ? 'fulfilled' : 'skipped';
  }
}
