import {
  Controller,
  HttpCode,
  Param,
  Post,
  Req,
  UnsupportedMediaTypeException,
  UseFilters,
  type RawBodyRequest,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '#libs/auth';
import { ApiProblems } from '#libs/http';
import {
  ReceiveProviderWebhook,
  type WebhookReceipt,
} from '../../application/commands/receive-provider-webhook.handler';
import { PaymentsProblemsFilter } from './payments-problems.filter';
import { ProviderWebhookReceiptResponse } from './payments.responses';

@ApiTags('payments')
@UseFilters(PaymentsProblemsFilter)
@Controller('v1/payments/webhooks')
export class PaymentWebhooksController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * A provider's signed webhook. 200 `{received, duplicate}` as soon as it is verified and
   * recorded (the work is queued); 400 when the signature, its age (5 minutes) or the body
   * is wrong; 404 for an unknown provider. The signature covers the raw bytes received.
   */
  @Public()
  @Post(':provider')
  @HttpCode(200)
  @ApiOperation({ operationId: 'receivePaymentWebhook', summary: "Receive a payment provider's webhook" })
  @ApiHeader({
    name: 'Sandbox-Signature',
    required: false,
    description:
      "The `sandbox` provider's signature, `t=<unix seconds>,v1=<hex HMAC-SHA256>`; other providers sign in their own header",
  })
  // Read as raw bytes (the signature covers them), so no DTO: its shape is the provider's.
  @ApiBody({ description: "The provider's event, as it signed it", schema: { type: 'object' } })
  @ApiOkResponse({ type: ProviderWebhookReceiptResponse, description: 'Verified and recorded; the work is queued' })
  @ApiProblems({ 400: ['webhook-signature-invalid', 'webhook-payload-invalid'], 404: ['unknown-provider'] })
  receive(
    @Param('provider') provider: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<WebhookReceipt> {
    if (!request.rawBody) throw new UnsupportedMediaTypeException('a webhook body must be application/json');
    return this.commands.execute(new ReceiveProviderWebhook(provider, request.rawBody, request.headers));
  }
}
