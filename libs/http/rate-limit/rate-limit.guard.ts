import { HttpStatus, Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
  type ThrottlerRequest,
} from '@nestjs/throttler';

import type { FastifyReply, FastifyRequest } from 'fastify';
import { SETTINGS, type Settings } from '#libs/config';
import { ProblemException } from '#libs/problems';
import { RATE_LIMIT_GROUP, type RateLimitGroup } from './rate-limit-group.decorator';

/**
 * @nestjs/throttler's guard with one counter per client and policy group (not per route),
 * the IETF `RateLimit-Policy` / `RateLimit` fields instead of `X-RateLimit-*`, and a
 * problem+json 429 with `Retry-After`. When the counter store is unreachable it lets the
 * request through: a rate limiter must not take the API down with it.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger('RateLimit');

  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.settings.rateLimitEnabled || context.getType() !== 'http';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context } = props;
    const group =
      this.reflector.getAllAndOverride<RateLimitGroup | undefined>(RATE_LIMIT_GROUP, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'default';
    const policy = group === 'auth' ? this.settings.rateLimitAuth : this.settings.rateLimitDefault;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    let record;
    try {
      record = await this.storageService.increment(
        `${group}:${request.ip}`,
        policy.windowSeconds * 1000,
        policy.limit,
        policy.windowSeconds * 1000,
        group,
      );
    } catch (error) {
      this.log.warn(`rate limit store unavailable, request let through: ${String(error)}`);
      return true;
    }
    const remaining = Math.max(0, policy.limit - record.totalHits);
    void reply.header('RateLimit-Policy', `"${group}";q=${policy.limit};w=${policy.windowSeconds}`);
    void reply.header('RateLimit', `"${group}";r=${remaining};t=${record.timeToExpire}`);
    if (record.totalHits > policy.limit) {
      throw new ProblemException(
        'too-many-requests',
        HttpStatus.TOO_MANY_REQUESTS,
        'Too Many Requests',
        `more than ${policy.limit} requests in ${policy.windowSeconds} s; retry after ${record.timeToExpire} s`,
        {},
        { 'retry-after': String(record.timeToExpire) },
      );
    }
    return true;
  }
}
