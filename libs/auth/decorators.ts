import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from './auth-user';

export const PUBLIC_ROUTE = 'tessera:public';
export const REQUIRED_ROLES = 'tessera:roles';

/** The route needs no token. Every other route does. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The caller's token must carry one of these roles (403 otherwise). */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

/** The verified caller of a protected route. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const user = userOf(context.switchToHttp().getRequest<FastifyRequest>());
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});

const USER = Symbol('tessera:user');

export function attachUser(request: FastifyRequest, user: AuthUser): void {
  (request as unknown as Record<symbol, AuthUser>)[USER] = user;
}

export function userOf(request: FastifyRequest): AuthUser | undefined {
  return (request as unknown as Record<symbol, AuthUser | undefined>)[USER];
}
