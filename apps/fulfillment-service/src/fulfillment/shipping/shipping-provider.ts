import { ShippingAddress } from '@app/db';

export interface ShipmentRequest {
  shipmentId: string;
  claimId: string;
  perkTitle: string;
  address: ShippingAddress;
}

/** A carrier integration. `submit` must be safe to repeat for one shipment (crash, retry). */
export interface ShippingProvider {
  readonly name: 'manual' | 'webhook';
  /** Hands the shipment over. Returns the carrier's id, or null when a person ships it by hand. */
  submit(request: ShipmentRequest): Promise<{ externalId: string | null } | null>;
}

export const SHIPPING_PROVIDER = Symbol('SHIPPING_PROVIDER');

/** A carrier error that retrying cannot fix (e.g. the address is refused). */
export class PermanentShippingError extends Error {}
