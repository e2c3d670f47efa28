import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '#libs/auth';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ProcessState } from '#libs/config';
import { HealthContributors } from './health-contributors';
import { HealthReportResponse, ProbeStartingResponse, ProbeUpResponse } from './health.responses';

/**
 * Probes for orchestrators and load balancers. Their bodies are terminus' JSON, not
 * problem+json, because probes read the status code and humans read the details.
 */
@ApiTags('ops')
@Public()
// Probes come often and from few addresses (kubelets, load balancers): a 429 would take a healthy replica out.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly state: ProcessState,
    private readonly contributors: HealthContributors,
  ) {}

  /** The process is up and its event loop turns; checks nothing external. */
  @Get('live')
  @ApiOperation({ operationId: 'checkLiveness', summary: 'Liveness probe: the process is up' })
  @ApiOkResponse({ type: ProbeUpResponse, description: 'The process answers.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Whether this replica should receive traffic: 503 while starting, draining, or a dependency is down. */
  @Get('ready')
  @ApiOperation({ operationId: 'checkReadiness', summary: 'Readiness probe: this replica should receive traffic' })
  @ApiOkResponse({ type: HealthReportResponse, description: 'Ready; a `degraded` check is reported, not failed.' })
  @ApiServiceUnavailableResponse({
    type: HealthReportResponse,
    description: 'Not ready: starting, draining, or a check is down.',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const unavailable = this.state.draining ? 'draining' : this.state.started ? undefined : 'starting';
    if (unavailable) {
      // Not ready whatever the dependencies say: report why without probing them.
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      const process = { process: { status: 'down' as const, message: unavailable } };
      return { status: 'error', info: {}, error: process, details: process };
    }
    try {
      return await this.health.check(this.contributors.all());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }

  /** 200 once the selected modules' schemas are migrated and the process has started. */
  @Get('startup')
  @ApiOperation({ operationId: 'checkStartup', summary: 'Startup probe: schemas migrated and the process started' })
  @ApiOkResponse({ type: ProbeUpResponse, description: 'Started.' })
  @ApiServiceUnavailableResponse({ type: ProbeStartingResponse, description: 'Still starting.' })
  startup(@Res({ passthrough: true }) reply: FastifyReply): { status: 'ok' | 'starting' } {
    if (this.state.started) return { status: 'ok' };
    reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'starting' };
  }
}
