import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ShippingAddress } from '@app/db';
import { DomainError, ErrorCode, UUID } from '@app/domain';
import { ShipmentDto } from './dto/claim.dto';

interface ShipmentRow {
  id: string;
  claim_id: string;
  provider: string;
  status: string;
  address: ShippingAddress | null;
  carrier: string | null;
  tracking_number: string | null;
  external_id: string | null;
  created_at: Date;
  shipped_at: Date | null;
}

export interface ShippedResult {
  shipmentId: string;
  claimId: string;
  trackingNumber: string;
}

/**
 * The end of a physical claim: the shipment is shipped with a tracking number and the
 * claim becomes fulfilled. Reached by an admin (manual provider) or by the carrier's signed
 * webhook (webhook provider). Repeating the same shipment's "shipped" changes nothing.
 */
@Injectable()
export class ShipmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** What fulfillment staff need to ship by hand, the address included (admins only). */
  async forClaim(claimId: string): Promise<ShipmentDto> {
    if (!UUID.test(claimId)) throw DomainError.notFound('Shipment');
    const [row]: ShipmentRow[] = await this.dataSource.query(
      `SELECT id, claim_id, provider, status, address, carrier, tracking_number, external_id, created_at, shipped_at
       FROM shipments WHERE claim_id = $1`,
      [claimId],
    );
    if (!row) throw DomainError.notFound('Shipment');
    return {
      id: row.id,
      claimId: row.claim_id,
      provider: row.provider,
      status: row.status,
      address: row.address,
      carrier: row.carrier,
      trackingNumber: row.tracking_number,
      externalId: row.external_id,
      createdAt: row.created_at.toISOString(),
      shippedAt: row.shipped_at ? row.shipped_at.toISOString() : null,
    };
  }

  async markShippedByClaim(claimId: string, trackingNumber: string, carrier?: string): Promise<ShippedResult> {
    if (!UUID.test(claimId)) throw DomainError.notFound('Claim');
    const [row]: { shipment_id: string | null }[] = await this.dataSource.query(
      `SELECT s.id AS shipment_id FROM claims c LEFT JOIN shipments s ON s.claim_id = c.id WHERE c.id = $1`,
      [claimId],
    );
    if (!row) throw DomainError.notFound('Claim');
    if (!row.shipment_id) {
      throw new DomainError(ErrorCode.ShipmentNotShippable, 'This claim has no shipment (not a physical perk, or fulfillment has not created it yet)');
    }
    const shipped = await this.markShipped(row.shipment_id, trackingNumber, carrier);
    // An admin who types another number for a parcel already out is told, not silently ignored.
    if (shipped.trackingNumber !== trackingNumber) {
      throw new DomainError(ErrorCode.ShipmentNotShippable, `The parcel was already shipped with tracking number ${shipped.trackingNumber}`, {
        trackingNumber: shipped.trackingNumber,
      });
    }
    return shipped;
  }

  /**
   * Locks the claim, then its shipment — the order of every writer of both (admin cancel, the
   * fulfillment worker), so shipping never deadlocks with a cancel or a failure. A parcel already
   * shipped keeps its first tracking number (the carrier's repeated report is answered as done).
   */
  async markShipped(shipmentId: string, trackingNumber: string, carrier?: string): Promise<ShippedResult> {
    if (!UUID.test(shipmentId)) throw DomainError.notFound('Shipment');
    return this.dataSource.transaction(async (manager) => {
      const [claim]: { id: string }[] = await manager.query(
        `SELECT c.id FROM claims c JOIN shipments s ON s.claim_id = c.id WHERE s.id = $1 FOR UPDATE OF c`,
        [shipmentId],
      );
      if (!claim) throw DomainError.notFound('Shipment');
      const [shipment]: { status: string; tracking_number: string | null; addressed: boolean }[] = await manager.query(
        `SELECT status, tracking_number, address IS NOT NULL AS addressed FROM shipments WHERE id = $1 FOR UPDATE`,
        [shipmentId],
      );
      if (shipment.status === 'shipped') {
        return { shipmentId, claimId: claim.id, trackingNumber: shipment.tracking_number as string };
      }
      if (shipment.status === 'cancelled') throw new DomainError(ErrorCode.ShipmentNotShippable, 'The shipment was cancelled');
      // Only an erasure empties a shipment nobody submitted to a carrier: there is nobody to ship to.
      if (shipment.status === 'requested' && !shipment.addressed) {
        throw new DomainError(ErrorCode.ShipmentNotShippable, 'The shipment has no address (the member erased their account); cancel the claim');
      }
      await manager.query(
        `UPDATE shipments SET status = 'shipped', tracking_number = $2, carrier = $3, address = NULL, shipped_at = now(), updated_at = now()
         WHERE id = $1`,
        [shipmentId, trackingNumber, carrier ?? null],
      );
      await manager.query(
        `UPDATE claims SET status = 'fulfilled', fulfillment = fulfillment || jsonb_build_object('trackingNumber', $2::text),
                           fulfilled_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'pending'`,
        [claim.id, trackingNumber],
      );
      return { shipmentId, claimId: claim.id, trackingNumber };
    });
  }

  /** `X-Shipping-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with SHIPPING_WEBHOOK_SECRET. */
  verifySignature(rawBody: Buffer | undefined, header: string | undefined): void {
    const secret = this.config.shipping.webhookSecret;
    const match = /^sha256=([0-9a-f]{64})$/i.exec(header ?? '');
    const invalid = new DomainError(ErrorCode.ShippingSignatureInvalid, 'The shipping webhook signature is missing or invalid');
    if (!secret || !rawBody || !match) throw invalid;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    const given = Buffer.from(match[1], 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
  }
}
