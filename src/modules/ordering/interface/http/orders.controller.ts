import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ROLE, CurrentUser, type AuthUser } from '#libs/auth';
import { consistencyTokenOf } from '#libs/database';
import { IdempotencyKeys, idempotentRequest, sendIdempotentResponse } from '#libs/http';
import { CancelOrder, type Requester } from '../../application/commands/cancel-order.handler';
import { PlaceOrder } from '../../application/commands/place-order.handler';
import type { OrderPage, OrderView } from '../../application/order-view';
import { GetOrder } from '../../application/queries/get-order.handler';
import { ListOrders } from '../../application/queries/list-orders.handler';
import { orderingProblemOf, OrderingProblemsFilter } from './ordering-problems.filter';
import { OrderListQuery, PlaceOrderDto } from './ordering.dto';

function requester(user: AuthUser): Requester {
  return { id: user.id, isAdmin: user.roles.includes(ADMIN_ROLE) };
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
   * first is still running: 409 with `Retry-After`.
   */
  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1 to 255 printable characters, per request' })
  @ApiCreatedResponse({ description: 'the order (a replay: the first response, with `Idempotent-Replayed: true`)' })
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
  list(
    @Query() query: OrderListQuery,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<OrderPage> {
    return this.queries.execute(new ListOrders(user.id, query.limit, query.cursor, consistencyTokenOf(request)));
  }

  @Get(':id')
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<OrderView> {
    return this.queries.execute(new GetOrder(id, requester(user), consistencyTokenOf(request)));
  }

  /** From `pending` or `stock_reserved` only (409 otherwise); the owner or an admin. */
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() user: AuthUser): Promise<OrderView> {
    return this.commands.execute(new CancelOrder(id, requester(user)));
  }
}
