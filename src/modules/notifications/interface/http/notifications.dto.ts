import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../domain/webhook-event-types';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://example.com/hooks/tessera', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['order.placed', 'order.confirmed'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `each of eventTypes must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  eventTypes!: WebhookEventType[];
}

export class EndpointParams {
  @ApiProperty({ format: 'uuid', description: 'the webhook endpoint' })
  @IsUUID()
  id!: string;
}

export class DeliveryParams {
  @ApiProperty({ format: 'uuid', description: 'the webhook endpoint' })
  @IsUUID()
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'a delivery of that endpoint' })
  @IsUUID()
  deliveryId!: string;
}
