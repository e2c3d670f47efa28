import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '#libs/problems';
import { AccessTokenVerifier } from './access-token-verifier';
import { InvalidAccessToken } from './token-claims';
import { attachUser, PUBLIC_ROUTE, REQUIRED_ROLES } from './decorators';

/**
 * Applied to every route: public routes pass, every other route needs a valid bearer
 * access token (401 otherwise) and, with `@Roles`, one of the roles (403 otherwise).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  // Not async: a public route (health, catalog reads) answers without a promise.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targetsOf(context))) return true;
    return this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw unauthorized('an access token is required (Authorization: Bearer <token>)', 'invalid_request');
    let user;
    try {
      user = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidAccessToken) throw unauthorized(error.message, 'invalid_token');
      throw error;
    }
    attachUser(request, user);
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targetsOf(context));
    if (roles && !roles.some((role) => user.roles.includes(role))) {
      throw new ProblemException(
        'forbidden',
        HttpStatus.FORBIDDEN,
        'Forbidden',
        `this route needs the ${roles.join(' or ')} role`,
      );
    }
    return true;
  }
}

/** Where route metadata is looked up: the handler first, then its controller. */
function targetsOf(
  context: ExecutionContext,
): [ReturnType<ExecutionContext['getHandler']>, ReturnType<ExecutionContext['getClass']>] {
  return [context.getHandler(), context.getClass()];
}

function unauthorized(detail: string, code: string): ProblemException {
  return new ProblemException(
    'unauthorized',
    HttpStatus.UNAUTHORIZED,
    'Unauthorized',
    detail,
    {},
    {
      'www-authenticate': `Bearer error="${code}"`,
    },
  );
}
