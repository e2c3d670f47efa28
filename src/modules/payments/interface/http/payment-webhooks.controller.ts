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
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '#libs/auth';
import {
  ReceiveProviderWebhook,
  type WebhookReceipt,
} from '../../application/commands/receive-provider-webhook.handler';
import { PaymentsProblemsFilter } from './payments-problems.filter';

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
  receive(
    @Param('provider') provider: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<WebhookReceipt> {
    if (!request.rawBody) throw new UnsupportedMediaTypeException('a webhook body must be application/json');
    return this.commands.execute(new ReceiveProviderWebhook(provider, request.rawBody, request.headers));
  }
}
