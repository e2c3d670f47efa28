import { ApiProperty, ApiSchema, type SchemaObject } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';

// Documentation only: the probes' bodies, terminus' JSON rather than problem+json.

/** One check by name; each adds members of its own (`message`, `backend`, `queues`, a replica's state, …). */
const INDICATORS: { type: 'object'; additionalProperties: SchemaObject } = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down', 'degraded'] } },
    additionalProperties: true,
  },
};

@ApiSchema({
  name: 'HealthReport',
  description: 'Readiness by check: `ok` or `degraded` with 200; `error` or `shutting_down` with 503.',
})
export class HealthReportResponse implements HealthCheckResult {
  @ApiProperty({ enum: ['ok', 'degraded', 'error', 'shutting_down'] })
  status!: HealthCheckResult['status'];

  @ApiProperty({ ...INDICATORS, description: 'The checks that are up or degraded.' })
  info!: NonNullable<HealthCheckResult['info']>;

  @ApiProperty({ ...INDICATORS, description: 'The checks that are down (`process` while starting or draining).' })
  error!: NonNullable<HealthCheckResult['error']>;

  @ApiProperty({ ...INDICATORS, description: 'Every check.' })
  details!: HealthCheckResult['details'];
}

@ApiSchema({ name: 'ProbeUp', description: 'The probe passes.' })
export class ProbeUpResponse {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

@ApiSchema({ name: 'ProbeStarting', description: 'The process has not finished starting.' })
export class ProbeStartingResponse {
  @ApiProperty({ enum: ['starting'] }) status!: 'starting';
}
