import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { documentPlatformResponses } from './platform-responses';
import { ProblemSchema } from './problem.schema';

const TAGS: Readonly<Record<string, string>> = {
  identity: 'Accounts, sign-in, tokens and roles.',
  catalog: 'Products and categories.',
  inventory: 'Stock levels and their movements.',
  ordering: 'Orders and their progress.',
  payments: 'Charges, refunds and provider webhooks.',
  'payments sandbox': 'The sandbox payment provider (not in production deployments).',
  notifications: 'Webhook endpoints and their deliveries.',
  events: 'Dead-lettered events (operators).',
  ops: 'Probes for orchestrators and load balancers.',
};

/** The OpenAPI document of the routes this process serves (docs/http-api.md). */
export function apiDocument(app: INestApplication, version: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Tessera API')
    .setDescription(
      'Commerce backend: identity, catalog, inventory, ordering, payments, notifications. Errors are RFC 9457 problem+json.',
    )
    .setVersion(version)
    .addServer('/', 'The deployment serving this document')
    .addBearerAuth();
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemSchema] });
  return documentPlatformResponses(document);
}
