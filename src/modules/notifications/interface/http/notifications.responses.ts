import { PageSchema } from '#libs/http';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { DeliveryPage, DeliveryView } from '../../application/delivery-view';
import type { CreatedEndpointView, EndpointPage, EndpointView } from '../../application/endpoint-view';
import type { DeliveryStatus } from '../../domain/delivery-sequence';
import type { EndpointStatus } from '../../domain/webhook-endpoint';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../domain/webhook-event-types';

// Records, not lists: the compiler refuses them when a status is added to the domain and not here.
const ENDPOINT_STATUSES: Record<EndpointStatus, true> = { active: true, disabled: true };
const DELIVERY_STATUSES: Record<DeliveryStatus, true> = { pending: true, delivered: true, failed: true };

@ApiSchema({ name: 'WebhookEndpoint', description: 'A webhook endpoint as its owner sees it (never its secret).' })
export class WebhookEndpointResponse implements EndpointView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uri', example: 'https://example.com/hooks/tessera' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['order.placed', 'order.confirmed'] })
  eventTypes!: WebhookEventType[];

  @ApiProperty({ enum: Object.keys(ENDPOINT_STATUSES), description: '`disabled` after too many failures in a row' })
  status!: EndpointStatus;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'failed attempts since the last success' })
  consecutiveFailures!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

@ApiSchema({ name: 'NewWebhookEndpoint', description: 'A registered endpoint with its signing secret.' })
export class NewWebhookEndpointResponse extends WebhookEndpointResponse implements CreatedEndpointView {
  @ApiProperty({
    description: 'Signs every delivery (`Tessera-Signature`); shown only in this response.',
    example: 'whsec_6Bqk1cFz0m7Yc4nSxJXo9Jr2a5Vv3wL8hTQeKpD0uGs',
  })
  secret!: string;
}

@ApiSchema({ name: 'WebhookEndpointPage', description: "A page of the caller's endpoints, newest first." })
export class WebhookEndpointPageResponse extends PageSchema(WebhookEndpointResponse) implements EndpointPage {}

@ApiSchema({ name: 'WebhookDelivery', description: "One line of an endpoint's delivery log." })
export class WebhookDeliveryResponse implements DeliveryView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'the `id` of the delivered body, the same on every attempt' })
  eventId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  type!: WebhookEventType;

  @ApiProperty({ enum: Object.keys(DELIVERY_STATUSES) })
  status!: DeliveryStatus;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'attempts in the current run' })
  attempts!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: "the receiver's HTTP status at the last attempt" })
  lastStatusCode!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'why the last attempt failed' })
  lastError!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

@ApiSchema({ name: 'WebhookDeliveryPage', description: "A page of an endpoint's delivery log, newest first." })
export class WebhookDeliveryPageResponse extends PageSchema(WebhookDeliveryResponse) implements DeliveryPage {}

@ApiSchema({ name: 'QueuedWebhookDelivery', description: 'A delivery queued again with a fresh run of attempts.' })
export class QueuedWebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['pending'] })
  status!: 'pending';
}
