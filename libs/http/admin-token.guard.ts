import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { SETTINGS, type Settings } from '#libs/config';
import { ProblemException } from './problem';

/**
 * Guards operator routes with the bearer token in ADMIN_API_TOKEN. With no token set they
 * are closed (403): an unconfigured deployment never exposes them.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.settings.adminApiToken;
    if (!expected) {
      throw new ProblemException(
        'forbidden',
        HttpStatus.FORBIDDEN,
        'Forbidden',
        'operator routes are disabled: ADMIN_API_TOKEN is not set',
      );
    }
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer /i, ''));
    const wanted = Buffer.from(expected);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw new ProblemException(
        'unauthorized',
        HttpStatus.UNAUTHORIZED,
        'Unauthorized',
        'a valid operator bearer token is required',
        {},
        { 'www-authenticate': 'Bearer' },
      );
    }
    return true;
  }
}
