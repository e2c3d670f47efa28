import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_GROUP = 'tessera:rate-limit-group';
export type RateLimitGroup = 'default' | 'auth';

/** Puts a route under a stricter per-client policy (RATE_LIMIT_AUTH for `auth`). */
export const RateLimitGroup = (group: RateLimitGroup): MethodDecorator & ClassDecorator =>
  SetMetadata(RATE_LIMIT_GROUP, group);
