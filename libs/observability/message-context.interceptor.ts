import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { runInMessageContext } from './message-context';

/** Runs each HTTP handler inside a message context keyed by its request id. */
@Injectable()
export class MessageContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const id = String(request.id);
    return new Observable((subscriber) =>
      runInMessageContext({ requestId: id, correlationId: id, causationId: id }, () =>
        next.handle().subscribe(subscriber),
      ),
    );
  }
}
