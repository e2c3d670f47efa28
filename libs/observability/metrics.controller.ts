import { Controller, Get, Inject, Res, UnauthorizedException } from '@nestjs/common';
import { Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Public } from '#libs/auth';
import { SETTINGS, type Settings } from '#libs/config';

/** Prometheus scrape endpoint; behind a bearer token when METRICS_TOKEN is set. */
@ApiExcludeController()
@Public()
// Scrapers come often from one address; a 429 would leave gaps in every graph.
@SkipThrottle()
@Controller()
export class MetricsController extends PrometheusController {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {
    super();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) response: FastifyReply,
    @Req() request?: FastifyRequest,
  ): Promise<string> {
    const token = this.settings.metricsToken;
    if (token && !bearerMatches(request?.headers.authorization, token)) {
      throw new UnauthorizedException('metrics need the bearer token set in METRICS_TOKEN');
    }
    return super.index(response);
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer /i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
