import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ADMIN_ROLE, CurrentUser, type AuthUser } from '#libs/auth';
import { ApiProblems, PageQuery } from '#libs/http';
import { DeleteWebhookEndpoint } from '../../application/commands/delete-webhook-endpoint.handler';
import { EnableWebhookEndpoint } from '../../application/commands/enable-webhook-endpoint.handler';
import { RedeliverWebhook } from '../../application/commands/redeliver-webhook.handler';
import { RegisterWebhookEndpoint } from '../../application/commands/register-webhook-endpoint.handler';
import type { DeliveryPage } from '../../application/delivery-view';
import type { CreatedEndpointView, EndpointPage, EndpointView } from '../../application/endpoint-view';
import { ListWebhookDeliveries } from '../../application/queries/list-webhook-deliveries.handler';
import { ListWebhookEndpoints } from '../../application/queries/list-webhook-endpoints.handler';
import type { Requester } from '../../domain/webhook-endpoint';
import { NotificationsProblemsFilter } from './notifications-problems.filter';
import { CreateWebhookEndpointDto, DeliveryParams, EndpointParams } from './notifications.dto';
import {
  NewWebhookEndpointResponse,
  QueuedWebhookDeliveryResponse,
  WebhookDeliveryPageResponse,
  WebhookEndpointPageResponse,
  WebhookEndpointResponse,
} from './notifications.responses';

function requester(user: AuthUser): Requester {
  return { id: user.id, isAdmin: user.roles.includes(ADMIN_ROLE) };
}

/** Customers' webhook endpoints and their delivery logs. Someone else's endpoint is a 404 (admins see all). */
@ApiTags('notifications')
@ApiBearerAuth()
@UseFilters(NotificationsProblemsFilter)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** 201 with the signing secret, the only time it is shown. 422 `webhook-target-not-allowed` for internal targets. */
  @Post()
  @ApiOperation({ operationId: 'createWebhookEndpoint', summary: 'Register a webhook endpoint' })
  @ApiCreatedResponse({ type: NewWebhookEndpointResponse, description: 'the endpoint, with its signing secret' })
  @ApiProblems({ 422: ['webhook-target-not-allowed'] })
  create(@Body() body: CreateWebhookEndpointDto, @CurrentUser() user: AuthUser): Promise<CreatedEndpointView> {
    return this.commands.execute(new RegisterWebhookEndpoint(user.id, body.url, body.eventTypes));
  }

  /** The caller's own endpoints, newest first: `{items, next}`. */
  @Get()
  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: "List the caller's webhook endpoints" })
  @ApiOkResponse({ type: WebhookEndpointPageResponse, description: 'a page of endpoints, newest first' })
  list(@Query() page: PageQuery, @CurrentUser() user: AuthUser): Promise<EndpointPage> {
    return this.queries.execute(new ListWebhookEndpoints(user.id, page.limit, page.cursor));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint and its delivery log' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblems({ 404: ['webhook-endpoint-not-found'] })
  async remove(@Param() params: EndpointParams, @CurrentUser() user: AuthUser): Promise<void> {
    await this.commands.execute(new DeleteWebhookEndpoint(params.id, requester(user)));
  }

  /** Re-enables a disabled endpoint with a fresh failure run. */
  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ operationId: 'enableWebhookEndpoint', summary: 'Re-enable a disabled webhook endpoint' })
  @ApiOkResponse({ type: WebhookEndpointResponse, description: 'the endpoint, active again' })
  @ApiProblems({ 404: ['webhook-endpoint-not-found'] })
  enable(@Param() params: EndpointParams, @CurrentUser() user: AuthUser): Promise<EndpointView> {
    return this.commands.execute(new EnableWebhookEndpoint(params.id, requester(user)));
  }

  /** The delivery log, newest first: `{items, next}`. */
  @Get(':id/deliveries')
  @ApiOperation({ operationId: 'listWebhookDeliveries', summary: "List a webhook endpoint's deliveries" })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse, description: 'a page of the delivery log, newest first' })
  @ApiProblems({ 404: ['webhook-endpoint-not-found'] })
  deliveries(
    @Param() params: EndpointParams,
    @Query() page: PageQuery,
    @CurrentUser() user: AuthUser,
  ): Promise<DeliveryPage> {
    return this.queries.execute(new ListWebhookDeliveries(params.id, requester(user), page.limit, page.cursor));
  }

  /** 202: the delivery is queued again with a fresh run of attempts. */
  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ operationId: 'redeliverWebhookDelivery', summary: 'Queue a webhook delivery again' })
  @ApiAcceptedResponse({ type: QueuedWebhookDeliveryResponse, description: 'the delivery, pending again' })
  @ApiProblems({ 404: ['webhook-endpoint-not-found', 'webhook-delivery-not-found'] })
  redeliver(@Param() params: DeliveryParams, @CurrentUser() user: AuthUser): Promise<QueuedWebhookDeliveryResponse> {
    return this.commands.execute(new RedeliverWebhook(params.id, params.deliveryId, requester(user)));
  }
}
