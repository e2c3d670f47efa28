import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { CanonicalUuid } from '#libs/http';
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

/** Path ids in lower case, whatever case the client wrote: the handlers compare them with stored ids. */
export class EndpointParams {
  @ApiProperty({ format: 'uuid', description: 'the webhook endpoint' })
  @CanonicalUuid()
  @IsUUID()
  id!: string;
}

export class DeliveryParams {
  @ApiProperty({ format: 'uuid', description: 'the webhook endpoint' })
  @CanonicalUuid()
  @IsUUID()
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'a delivery of that endpoint' })
  @CanonicalUuid()
  @IsUUID()
  deliveryId!: string;
}
