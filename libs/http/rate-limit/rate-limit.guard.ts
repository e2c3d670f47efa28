import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
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
import { RATE_LIMIT_GROUP, type RateLimitGroup } from './rate-limit-group.decorator';
import { RateLimiter } from './rate-limiter';

/**
 * @nestjs/throttler's guard (its skip rules and metadata) counting through `RateLimiter`:
 * one counter per client and policy group, the IETF `RateLimit-Policy` / `RateLimit` fields
 * instead of `X-RateLimit-*`, and a problem+json 429 with `Retry-After`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.limiter.enabled || context.getType() !== 'http';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context } = props;
    const group =
      this.reflector.getAllAndOverride<RateLimitGroup | undefined>(RATE_LIMIT_GROUP, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'default';
    const outcome = await this.limiter.count(context.switchToHttp().getRequest<FastifyRequest>(), group);
    if (!outcome) return true;
    const refusal = RateLimiter.apply(context.switchToHttp().getResponse<FastifyReply>(), outcome);
    if (refusal) throw refusal;
    return true;
  }
}
