import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, RawServerDefault } from 'fastify';
import { ProblemException } from '#libs/problems';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './json-depth';

/** 400 `body-too-deep`: the JSON body nests deeper than `MAX_JSON_DEPTH`. */
export class BodyTooDeepProblem extends ProblemException {
  constructor(maxDepth: number) {
    super(
      'body-too-deep',
      HttpStatus.BAD_REQUEST,
      'Bad Request',
      `the JSON body nests arrays and objects more than ${maxDepth} levels deep`,
    );
  }
}

/**
 * The `application/json` parser: refuses a body nested deeper than `maxDepth` (400
 * `body-too-deep`), then parses with Fastify's own parser (secure-json-parse, which refuses
 * `__proto__` and `constructor.prototype` keys: 400 `malformed-body`, like malformed JSON).
 *
 * Registered through Nest's `useBodyParser`, which keeps the bytes received as
 * `request.rawBody` (`rawBody: true`: signed webhooks are verified over them) and takes the
 * place of Nest's default JSON parser.
 */
export function installJsonBodyParser(
  app: NestFastifyApplication,
  bodyLimit: number,
  maxDepth: number = MAX_JSON_DEPTH,
): void {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parse = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (request, body, done) => {
    if (jsonNestsDeeperThan(body, maxDepth)) {
      done(new BodyTooDeepProblem(maxDepth), undefined);
      return;
    }
    parse(request, body.toString('utf8'), done);
  });
}
