import { Controller, Headers, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '@app/auth';
import { StripeWebhookService } from './stripe-webhook.service';

/** Stripe's webhook endpoint: authenticated by `Stripe-Signature` over the raw body, not by a token. */
@ApiTags('payments')
@Controller('payments/stripe/webhook')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post()
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiHeader({ name: 'stripe-signature', required: true, description: "Stripe's signature of the raw body (`t=…,v1=…`)" })
  @ApiBody({ description: 'A Stripe event exactly as Stripe sent it (the signature covers the raw bytes)', schema: { type: 'object', required: ['id', 'type', 'data'] } })
  @ApiOkResponse({
    description: 'Event received (applied now, later, or recognised as a redelivery)',
    schema: { type: 'object', required: ['received'], properties: { received: { type: 'boolean', enum: [true] } } },
  })
  @ApiBadRequestResponse({ description: 'STRIPE_SIGNATURE_INVALID: bad, missing or stale signature; VALIDATION_FAILED: a signed event that is not a well-formed Stripe event; nothing stored' })
  async receive(@Req() req: RawBodyRequest<Request>, @Headers('stripe-signature') signature?: string): Promise<{ received: true }> {
    await this.webhooks.receive(req.rawBody, signature);
    return { received: true };
  }
}
