import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { decodeEndpointCursor, encodeEndpointCursor } from '../../domain/page-cursors';
import { endpointView, type EndpointPage } from '../endpoint-view';
import { EndpointStore } from '../ports/endpoint-store';

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
  constructor(private readonly endpoints: EndpointStore) {}

  async execute(query: ListWebhookEndpoints): Promise<EndpointPage> {
    const after = query.cursor ? decodeEndpointCursor(query.cursor) : undefined;
    const rows = await this.endpoints.ownedBy(query.ownerId, query.limit + 1, after);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(endpointView),
      next: rows.length > query.limit && last ? encodeEndpointCursor(last.createdAt, last.id) : null,
    };
  }
}
