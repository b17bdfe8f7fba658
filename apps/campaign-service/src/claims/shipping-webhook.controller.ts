import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '@app/auth';
import { ShippingWebhookDto } from './dto/claim.dto';
import { ShipmentsService } from './shipments.service';

/** Tracking updates from the carrier of the webhook shipping provider. */
@ApiTags('claims')
@Controller('shipping/webhook')
export class ShippingWebhookController {
  constructor(private readonly shipments: ShipmentsService) {}

  @Public()
  @Post()
  @HttpCode(200)
  @ApiHeader({ name: 'X-Shipping-Signature', required: true, description: 'sha256=<hex HMAC-SHA256 of the raw body>' })
  @ApiOkResponse({ description: 'recorded (repeats change nothing)' })
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers('x-shipping-signature') signature: string | undefined,
    @Body() dto: ShippingWebhookDto,
  ): Promise<{ received: true }> {
    this.shipments.verifySignature(req.rawBody, signature);
    await this.shipments.markShipped(dto.shipmentId, dto.trackingNumber, dto.carrier);
    return { received: true };
  }
}
