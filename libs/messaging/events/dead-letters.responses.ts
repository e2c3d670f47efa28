import { PageSchema } from '#libs/http';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { DeadLetter } from './dead-letters';

// Documentation only: the bodies the dead-letter routes answer, kept true to `DeadLetter` by `implements`.

@ApiSchema({
  name: 'DeadLetter',
  description: 'An integration event whose handling by one subscriber failed for good.',
})
export class DeadLetterResponse implements DeadLetter {
  @ApiProperty({ description: '`<subscriber>/<job id>`: what replay takes.', example: 'ordering/42' }) id!: string;
  @ApiProperty({ description: 'The subscribing module.', example: 'ordering' }) subscriber!: string;
  @ApiProperty({ description: 'The event name, or `<n> events` for a batch.', example: 'catalog.product-priced' })
  event!: string;

  @ApiProperty({ description: "The event's id (of the first event of a batch); empty when unknown." })
  eventId!: string;

  @ApiProperty({ description: "The event's aggregate id (of the first event of a batch); empty when unknown." })
  aggregateId!: string;

  @ApiProperty({ type: 'integer', minimum: 0 }) attempts!: number;
  @ApiProperty({ description: 'The last failure.' }) reason!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) failedAt!: string | null;
  @ApiPropertyOptional({
    description: "The event's payload, or every envelope of a batch.",
    oneOf: [
      { type: 'object', additionalProperties: true },
      { type: 'array', items: { type: 'object', additionalProperties: true } },
    ],
  })
  payload!: unknown;
}

@ApiSchema({ name: 'DeadLetterPage', description: 'Dead letters, oldest failure first.' })
export class DeadLetterPageResponse extends PageSchema(DeadLetterResponse) {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many dead letters there are in all.' })
  total!: number;
}

@ApiSchema({ name: 'DeadLetterReplay', description: 'What a replay moved back to its queue.' })
export class DeadLetterReplayResponse {
  @ApiProperty({ type: [String], description: 'Queued again, with a fresh attempt count.' }) replayed!: string[];
  @ApiProperty({ type: [String], description: 'Not dead letters (unknown, or already replayed).' }) notFound!: string[];
}
