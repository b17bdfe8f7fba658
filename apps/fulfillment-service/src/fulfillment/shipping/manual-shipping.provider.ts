import { ShippingProvider } from './shipping-provider';

/**
 * Shipments wait for a person: an admin reads the address (GET /admin/claims/:id/shipment),
 * ships, and reports the tracking number (POST /admin/claims/:id/ship).
 */
export class ManualShippingProvider implements ShippingProvider {
  readonly name = 'manual' as const;

  async submit(): Promise<null> {
    return null;
  }
}
