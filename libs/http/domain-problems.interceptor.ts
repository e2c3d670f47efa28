import { CallHandler, Injectable, NestInterceptor, type Type } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import type { ProblemException } from '#libs/problems';

/**
 * An interceptor that turns a module's domain errors (plain classes, no Nest) into its
 * problem+json exceptions, leaving every other error alone.
 */
export function domainProblems<E extends Error>(
  errorClass: abstract new (...args: never[]) => E,
  toProblem: (error: E) => ProblemException,
): Type<NestInterceptor> {
  @Injectable()
  class DomainProblemsInterceptor implements NestInterceptor {
    intercept(_: unknown, next: CallHandler): Observable<unknown> {
      return next
        .handle()
        .pipe(
          catchError((error: unknown) => throwError(() => (error instanceof errorClass ? toProblem(error) : error))),
        );
    }
  }
  return DomainProblemsInterceptor;
}
