import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SETTINGS, type Settings } from '#libs/config';
import { RepeatedFailureLog } from '#libs/observability';
import { ProblemException } from '#libs/problems';
import type { RateLimitGroup } from './rate-limit-group.decorator';

/** One counted request: the client's standing in its group's window. */
export interface RateLimitOutcome {
  readonly group: RateLimitGroup;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly hits: number;
  readonly resetSeconds: number;
}

/** Set on a request already counted before Nest's pipeline, so the guard does not count it twice. */
const COUNTED = Symbol('tessera:rate-limit-outcome');
type CountedRequest = FastifyRequest & { [COUNTED]?: RateLimitOutcome };

/** Per IP and policy group; paths answering before Nest (a cache hit) pass it on with `rememberOutcome`. */
@Injectable()
export class RateLimiter {
  /** While Redis is down, every request finds the store unavailable. */
  private readonly failures = new RepeatedFailureLog(
    new Logger('RateLimit'),
    'rate limit store unavailable, requests let through',
    'on-success',
  );

  constructor(
    @Inject(getStorageToken()) private readonly storage: ThrottlerStorage,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  get enabled(): boolean {
    return this.settings.rateLimitEnabled;
  }

  /** Undefined when the store is unreachable: the request goes through rather than the API going down. */
  async count(request: FastifyRequest, group: RateLimitGroup): Promise<RateLimitOutcome | undefined> {
    const counted = (request as CountedRequest)[COUNTED];
    if (counted?.group === group) return counted;
    const policy = group === 'auth' ? this.settings.rateLimitAuth : this.settings.rateLimitDefault;
    const windowMs = policy.windowSeconds * 1000;
    try {
      const record = await this.storage.increment(`${group}:${request.ip}`, windowMs, policy.limit, windowMs, group);
      this.failures.succeeded();
      return { group, ...policy, hits: record.totalHits, resetSeconds: record.timeToExpire };
    } catch (error) {
      this.failures.failed(String(error));
      return undefined;
    }
  }

  rememberOutcome(request: FastifyRequest, outcome: RateLimitOutcome): void {
    (request as CountedRequest)[COUNTED] = outcome;
  }

  /** The IETF `RateLimit-Policy` / `RateLimit` fields; a problem+json 429 with `Retry-After` when over. */
  static apply(reply: FastifyReply, outcome: RateLimitOutcome): ProblemException | undefined {
    const remaining = Math.max(0, outcome.limit - outcome.hits);
    void reply.header('RateLimit-Policy', `"${outcome.group}";q=${outcome.limit};w=${outcome.windowSeconds}`);
    void reply.header('RateLimit', `"${outcome.group}";r=${remaining};t=${outcome.resetSeconds}`);
    if (outcome.hits <= outcome.limit) return undefined;
    return new ProblemException(
      'too-many-requests',
      HttpStatus.TOO_MANY_REQUESTS,
      'Too Many Requests',
      `more than ${outcome.limit} requests in ${outcome.windowSeconds} s; retry after ${outcome.resetSeconds} s`,
      {},
      { 'retry-after': String(outcome.resetSeconds) },
    );
  }
}
