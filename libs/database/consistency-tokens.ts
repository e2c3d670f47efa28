import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { answerWritesWithConsistencyTokens } from './consistency-token-hook';
import { PrimaryDatabase } from './primary-database';

/** Puts `answerWritesWithConsistencyTokens` on the app's Fastify instance. */
@Injectable()
export class ConsistencyTokens implements OnModuleInit {
  constructor(
    private readonly primary: PrimaryDatabase,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) answerWritesWithConsistencyTokens(fastify, this.primary);
  }
}
