import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { responseHeaders } from './response-headers';

/** The request header and the 304 of a read answered through `cacheableRead`. */
export function ApiConditionalRead(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'An `ETag` this client holds: 304 without a body while it is still current.',
    }),
    ApiResponse({
      status: 304,
      description: 'Not Modified: the `ETag` sent in `If-None-Match` is still current.',
      headers: responseHeaders('ETag', 'Cache-Control'),
    }),
  );
}
