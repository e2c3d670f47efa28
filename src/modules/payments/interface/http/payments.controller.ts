import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ADMIN_ROLE, CurrentUser, Roles, type AuthUser } from '#libs/auth';
import { consistencyTokenOf } from '#libs/database';
import { ApiProblems } from '#libs/http';
import { RequestRefund } from '../../application/commands/request-refund.handler';
import type { PaymentView } from '../../application/payment-view';
import { GetPayment } from '../../application/queries/get-payment.handler';
import { PaymentsProblemsFilter } from './payments-problems.filter';
import { PaymentResponse } from './payments.responses';
import { requester } from './requester';

@ApiTags('payments')
@ApiBearerAuth()
@UseFilters(PaymentsProblemsFilter)
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** The payment, for the customer who pays it or an admin (404 to anyone else). */
  @Get(':id')
  @ApiOperation({ operationId: 'getPayment', summary: 'Get a payment' })
  @ApiOkResponse({ type: PaymentResponse, description: 'The payment' })
  @ApiProblems({ 404: ['payment-not-found'] })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<PaymentView> {
    return this.queries.execute(new GetPayment({ id }, requester(user), consistencyTokenOf(request)));
  }

  /**
   * 202 with the payment, now `refund_pending` (or already refunded); the provider is asked
   * by a job and `PaymentRefunded` follows. 409 `payment-not-refundable` unless it succeeded.
   */
  @Post(':id/refund')
  @Roles(ADMIN_ROLE)
  @HttpCode(202)
  @ApiOperation({ operationId: 'refundPayment', summary: 'Refund a payment (admins)' })
  @ApiAcceptedResponse({
    type: PaymentResponse,
    description: 'The payment, `refund_pending` (or already `refunded`); the provider is asked by a job',
  })
  @ApiProblems({ 403: ['forbidden'], 404: ['payment-not-found'], 409: ['payment-not-refundable'] })
  refund(@Param('id', new ParseUUIDPipe()) id: string): Promise<PaymentView> {
    return this.commands.execute(new RequestRefund(id));
  }
}
