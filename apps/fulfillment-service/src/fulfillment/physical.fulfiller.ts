import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ShippingAddress } from '@app/db';
import { FulfillmentOutcome } from './fulfillment-outcome';
import { SHIPPING_PROVIDER, ShippingProvider } from './shipping/shipping-provider';

interface ShipmentRow {
  id: string;
  status: string;
  address: ShippingAddress | null;
  perk_title: string;
}

/**
 * Physical perks: a shipment row is created once per claim (unique claim_id) and takes the
 * address over from the claim, then the provider gets it. The claim is fulfilled later, when
 * the shipment is reported shipped with a tracking number. A failure cancels the shipment; a
 * retried claim's round reopens it.
 */
@Injectable()
export class PhysicalFulfiller {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SHIPPING_PROVIDER) private readonly provider: ShippingProvider,
  ) {}

  async fulfil(claimId: string, round: number): Promise<FulfillmentOutcome> {
    const shipment = await this.dataSource.transaction(async (manager) => {
      const [claim]: { status: string; fulfillment_round: number }[] = await manager.query(
        `SELECT status, fulfillment_round FROM claims WHERE id = $1 FOR UPDATE`,
        [claimId],
      );
      if (!claim || claim.status !== 'pending' || claim.fulfillment_round !== round) return null;
      // A pending claim with a cancelled shipment is an admin retry of a failed one: its new round
      // requests the shipment again, with the address kept when it failed (or, had the carrier
      // taken it already, as submitted).
      await manager.query(
        `INSERT INTO shipments (claim_id, provider, address)
         SELECT id, $2, shipping_address FROM claims WHERE id = $1
         ON CONFLICT (claim_id) DO UPDATE
           SET status = CASE WHEN shipments.submitted_at IS NULL THEN 'requested' ELSE 'submitted' END, updated_at = now()
           WHERE shipments.status = 'cancelled'`,
        [claimId, this.provider.name],
      );
      // The address now lives only with the shipment (fulfillment), not on the claim.
      await manager.query(`UPDATE claims SET shipping_address = NULL WHERE id = $1 AND shipping_address IS NOT NULL`, [claimId]);
      const [row]: ShipmentRow[] = await manager.query(
        `SELECT s.id, s.status, s.address, k.perk_title FROM shipments s
         JOIN claims c ON c.id = s.claim_id JOIN campaigns k ON k.id = c.campaign_id WHERE s.claim_id = $1`,
        [claimId],
      );
      return row;
    });
    if (!shipment) return 'skipped';
    if (shipment.status !== 'requested' || !shipment.address) return 'shipment_requested';

    const submitted = await this.provider.submit({ shipmentId: shipment.id, claimId, perkTitle: shipment.perk_title, address: shipment.address });
    if (submitted) {
      await this.dataSource.query(
        `UPDATE shipments SET status = 'submitted', external_id = $2, address = NULL, submitted_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'requested'`,
        [shipment.id, submitted.externalId],
      );
    }
    return 'shipment_requested';
  }
}
