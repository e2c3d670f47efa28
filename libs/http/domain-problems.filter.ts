import { Catch, type ArgumentsHost, type ExceptionFilter, type Type } from '@nestjs/common';
import type { ProblemException } from '#libs/problems';
import { ProblemDetailsFilter } from './problem.filter';

/**
 * An exception filter that answers a module's domain errors (plain classes, no Nest) as its
 * problem+json exceptions; every other error goes on to the global `ProblemDetailsFilter`.
 *
 * A filter rather than an interceptor with rxjs `catchError`: an interceptor wraps every
 * request of the controller in observables, a filter costs nothing until something throws.
 */
export function domainProblems<E extends Error>(
  errorClass: abstract new (...args: never[]) => E,
  toProblem: (error: E) => ProblemException,
): Type<ExceptionFilter> {
  @Catch(errorClass)
  class DomainProblemsFilter implements ExceptionFilter<E> {
    private readonly problems = new ProblemDetailsFilter();

    catch(error: E, host: ArgumentsHost): void {
      this.problems.catch(toProblem(error), host);
    }
  }
  return DomainProblemsFilter;
}
