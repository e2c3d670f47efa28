import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { decodeEndpointCursor, encodeEndpointCursor } from '../../domain/page-cursors';
import { WebhookEndpointRecord } from '../../infrastructure/webhook-endpoint.record';
import { endpointView, type EndpointPage } from '../endpoint-view';

export class ListWebhookEndpoints extends Query<EndpointPage> {
  constructor(
    readonly ownerId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/**
 * The caller's endpoints, newest first, in keyset pages. Reads the primary: an owner
 * registers an endpoint and lists it at once, and this is no hot path worth a replica's lag.
 */
@QueryHandler(ListWebhookEndpoints)
export class ListWebhookEndpointsHandler implements IQueryHandler<ListWebhookEndpoints> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: ListWebhookEndpoints): Promise<EndpointPage> {
    const after = query.cursor ? decodeEndpointCursor(query.cursor) : undefined;
    const builder = this.dataSource
      .getRepository(WebhookEndpointRecord)
      .createQueryBuilder('e')
      .where('e.ownerId = :owner', { owner: query.ownerId })
      .orderBy('e.createdAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(query.limit + 1);
    if (after) builder.andWhere('(e.createdAt, e.id) < (:createdAt, :id)', after);
    const rows = await builder.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(endpointView),
      next: rows.length > query.limit && last ? encodeEndpointCursor(last.createdAt, last.id) : null,
    };
  }
}
