import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { decodeDeliveryCursor, encodeDeliveryCursor } from '../../domain/page-cursors';
import type { Requester } from '../../domain/webhook-endpoint';
import { deliveryView, type DeliveryPage } from '../delivery-view';
import { managedEndpoint } from '../managed-endpoint';
import { DeliveryStore } from '../ports/delivery-store';
import { EndpointStore } from '../ports/endpoint-store';

export class ListWebhookDeliveries extends Query<DeliveryPage> {
  constructor(
    readonly endpointId: string,
    readonly requester: Requester,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** An endpoint's delivery log, newest first (its owner or an admin). Reads the primary: attempts change it by the second. */
@QueryHandler(ListWebhookDeliveries)
export class ListWebhookDeliveriesHandler implements IQueryHandler<ListWebhookDeliveries> {
  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly endpoints: EndpointStore,
  ) {}

  async execute(query: ListWebhookDeliveries): Promise<DeliveryPage> {
    const before = query.cursor ? decodeDeliveryCursor(query.cursor) : undefined;
    await managedEndpoint(this.endpoints, query.endpointId, query.requester);
    const rows = await this.deliveries.log(query.endpointId, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(deliveryView),
      next: rows.length > query.limit && last ? encodeDeliveryCursor(String(last.position)) : null,
    };
  }
}
