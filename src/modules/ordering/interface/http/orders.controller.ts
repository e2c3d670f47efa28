import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ROLE, CurrentUser, type AuthUser } from '#libs/auth';
import { consistencyTokenOf } from '#libs/database';
import {
  ApiProblems,
  CanonicalUuidPipe,
  IdempotencyKeys,
  idempotentRequest,
  problemResponse,
  responseHeaders,
  sendIdempotentResponse,
} from '#libs/http';
import { CancelOrder, type Requester } from '../../application/commands/cancel-order.handler';
import { PlaceOrder } from '../../application/commands/place-order.handler';
import type { OrderPage, OrderView } from '../../application/order-view';
import { GetOrder } from '../../application/queries/get-order.handler';
import { ListOrders } from '../../application/queries/list-orders.handler';
import { orderingProblemOf, OrderingProblemsFilter } from './ordering-problems.filter';
import { OrderListQuery, PlaceOrderDto } from './ordering.dto';
import { OrderPageResponse, OrderResponse } from './ordering.responses';

function requester(user: AuthUser): Requester {
  return { id: user.id, isAdmin: user.roles.includes(ADMIN_ROLE) };
}

/** A problem+json answer an idempotency key records, so a replay of it carries `Idempotent-Replayed`. */
function replayable(status: number, slugs: readonly string[]) {
  return { ...problemResponse(status, slugs), headers: responseHeaders('Idempotent-Replayed') };
}

@ApiTags('ordering')
@ApiBearerAuth()
@UseFilters(OrderingProblemsFilter)
@Controller('v1/orders')
export class OrdersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly idempotency: IdempotencyKeys,
  ) {}

  /**
   * 201 with the order. With the same `Idempotency-Key` (per caller) and body again: the first
   * response, byte for byte (`Idempotent-Replayed: true`); with another body: 422; while the
   * first is still running: 409 with `Retry-After`. While the saga holds ORDER_BACKLOG_LIMIT
   * orders: 503 `order-backlog-full` with `Retry-After`, nothing placed or recorded (a retry with
   * the same key may succeed later).
   */
  @Post()
  @ApiOperation({ operationId: 'placeOrder', summary: 'Place an order' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1 to 255 printable characters, per request' })
  @ApiCreatedResponse({
    type: OrderResponse,
    description: 'The order, `pending` (a replay: the first response, with `Idempotent-Replayed: true`)',
    headers: responseHeaders('Idempotent-Replayed'),
  })
  // A refusal is recorded with the key too: its replay is marked as the order's is.
  @ApiResponse({ status: 400, ...replayable(400, ['validation-error']) })
  @ApiResponse({
    status: 422,
    ...replayable(422, ['products-unavailable', 'mixed-currencies', 'idempotency-key-reused']),
  })
  @ApiProblems({ 409: ['idempotency-key-in-use'], 503: ['order-backlog-full'] })
  async place(
    @Body() body: PlaceOrderDto,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const response = await this.idempotency.execute(
      idempotentRequest(request, user.id),
      (claim) =>
        this.commands.execute(
          new PlaceOrder(
            user.id,
            body.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
            body.paymentMethod,
            { claim, status: HttpStatus.CREATED },
          ),
        ),
      orderingProblemOf,
    );
    return sendIdempotentResponse(reply, response);
  }

  /** The caller's own orders, newest first. */
  @Get()
  @ApiOperation({ operationId: 'listOrders', summary: "List the caller's orders" })
  @ApiOkResponse({ type: OrderPageResponse, description: 'A page of orders, newest first' })
  list(
    @Query() query: OrderListQuery,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<OrderPage> {
    return this.queries.execute(new ListOrders(user.id, query.limit, query.cursor, consistencyTokenOf(request)));
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getOrder', summary: 'Get an order' })
  @ApiOkResponse({ type: OrderResponse, description: 'The order' })
  @ApiProblems({ 404: ['order-not-found'] })
  get(
    @Param('id', CanonicalUuidPipe) id: string,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<OrderView> {
    return this.queries.execute(new GetOrder(id, requester(user), consistencyTokenOf(request)));
  }

  /** From `pending` or `stock_reserved` only (409 otherwise); the owner or an admin. */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelOrder', summary: 'Cancel an order' })
  @ApiOkResponse({ type: OrderResponse, description: 'The order, now `cancelled` (`customer_cancelled`)' })
  @ApiProblems({ 404: ['order-not-found'], 409: ['order-not-cancellable', 'order-already-cancelled'] })
  cancel(@Param('id', CanonicalUuidPipe) id: string, @CurrentUser() user: AuthUser): Promise<OrderView> {
    return this.commands.execute(new CancelOrder(id, requester(user)));
  }
}
