import { createHmac } from 'node:crypto';
import { PermanentShippingError, ShipmentRequest, ShippingProvider } from './shipping-provider';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A carrier behind an HTTP API: we POST the shipment (signed, with the shipment id as
 * Idempotency-Key so a repeated submit creates nothing new at the carrier) and the carrier
 * reports tracking later through POST /shipping/webhook. 5xx and network errors are retried;
 * 4xx are permanent.
 */
export class WebhookShippingProvider implements ShippingProvider {
  readonly name = 'webhook' as const;

  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  async submit(request: ShipmentRequest): Promise<{ externalId: string | null }> {
    const body = JSON.stringify(request);
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': request.shipmentId,
        'x-shipping-signature': `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`,
      },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw new PermanentShippingError(`carrier refused the shipment: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
    if (!response.ok) throw new Error(`carrier unavailable: HTTP ${response.status}`);
    const parsed = text ? (JSON.parse(text) as { id?: unknown; externalId?: unknown }) : {};
    const externalId = parsed.externalId ?? parsed.id;
    return { externalId: typeof externalId === 'string' ? externalId : null };
  }
}
