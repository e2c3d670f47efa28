import { Controller, Get, Param, ParseUUIDPipe, Req, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, type AuthUser } from '#libs/auth';
import { consistencyTokenOf } from '#libs/database';
import { ApiProblems } from '#libs/http';
import type { PaymentView } from '../../application/payment-view';
import { GetPayment } from '../../application/queries/get-payment.handler';
import { PaymentsProblemsFilter } from './payments-problems.filter';
import { PaymentResponse } from './payments.responses';
import { requester } from './requester';

/** `GET /v1/orders/:id/payment`: under ordering's path, answered by payments (see the module's routes). */
@ApiTags('payments')
@ApiBearerAuth()
@UseFilters(PaymentsProblemsFilter)
@Controller('v1/orders')
export class OrderPaymentController {
  constructor(private readonly queries: QueryBus) {}

  /** The order's payment; 404 while it has none (its stock is not reserved yet, or it never will be). */
  @Get(':id/payment')
  @ApiOperation({ operationId: 'getOrderPayment', summary: "Get an order's payment" })
  @ApiOkResponse({ type: PaymentResponse, description: "The order's payment" })
  @ApiProblems({ 404: ['payment-not-found'] })
  get(
    @Param('id', new ParseUUIDPipe()) orderId: string,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<PaymentView> {
    return this.queries.execute(new GetPayment({ orderId }, requester(user), consistencyTokenOf(request)));
  }
}
