import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'FieldViolation', description: 'One field of the request that failed validation.' })
export class FieldViolationSchema {
  @ApiProperty({ example: 'lines[0].quantity' })
  field!: string;

  @ApiProperty({ example: 'quantity must not be less than 1' })
  message!: string;
}

/**
 * RFC 9457 problem details, as every error is answered (`application/problem+json`). Only the
 * shape is documented here; each response names the `type` values it can carry.
 */
@ApiSchema({ name: 'Problem', description: 'RFC 9457 problem details; clients switch on `type`.' })
export class ProblemSchema {
  @ApiProperty({ format: 'uri', example: 'https://tessera.dev/problems/validation-error' })
  type!: string;

  @ApiProperty({ example: 'Request validation failed' })
  title!: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status!: number;

  @ApiPropertyOptional({ example: 'lines[0].quantity: quantity must not be less than 1' })
  detail?: string;

  @ApiPropertyOptional({ description: 'The request path the problem occurred on.', example: '/v1/orders' })
  instance?: string;

  @ApiPropertyOptional({ description: 'Quote it when reporting a problem; also sent as `X-Request-Id`.' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldViolationSchema], description: 'With `validation-error`: every field refused.' })
  errors?: FieldViolationSchema[];
}
