import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface CarrierRequest {
  idempotencyKey: string;
  body: { shipmentId: string; claimId: string; address: unknown };
}

/** The reply to one request: a status, or `hang` to keep it open (the worker dies meanwhile). */
/** A status (with the carrier's usual body), a status with its own body, or no answer at all. */
export type CarrierReply = number | { status: number; body: unknown } | 'hang';

/** A fake carrier API: records every request and creates one shipment per Idempotency-Key. */
export class CarrierStub {
  readonly requests: CarrierRequest[] = [];
  /** shipments the carrier created: one per Idempotency-Key, however often it is sent */
  readonly created = new Set<string>();
  private readonly hanging: ServerResponse[] = [];
  private server?: Server;

  constructor(private readonly reply: (request: CarrierRequest, attempt: number) => CarrierReply | Promise<CarrierReply>) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/shipments`;
  }

  async stop(): Promise<void> {
    this.hanging.forEach((res) => res.destroy());
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const request: CarrierRequest = { idempotencyKey: String(req.headers['idempotency-key']), body: JSON.parse(text) };
    this.requests.push(request);
    const attempt = this.requests.filter((r) => r.idempotencyKey === request.idempotencyKey).length;
    const reply = await this.reply(request, attempt);
    if (reply === 'hang') {
      this.hanging.push(res);
      return;
    }
    const { status, body } = typeof reply === 'number' ? { status: reply, body: { id: `carrier-${request.body.shipmentId}` } } : reply;
    if (status < 300) this.created.add(request.idempotencyKey);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
