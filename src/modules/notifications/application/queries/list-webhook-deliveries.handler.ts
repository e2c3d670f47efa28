import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { decodeDeliveryCursor, encodeDeliveryCursor } from '../../domain/page-cursors';
import type { Requester } from '../../domain/webhook-endpoint';
import { WebhookDeliveryRecord } from '../../infrastructure/webhook-delivery.record';
import { deliveryView, type DeliveryPage } from '../delivery-view';
import { managedEndpoint } from '../managed-endpoint';

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
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: ListWebhookDeliveries): Promise<DeliveryPage> {
    const before = query.cursor ? decodeDeliveryCursor(query.cursor) : undefined;
    await managedEndpoint(this.dataSource.manager, query.endpointId, query.requester);
    const builder = this.dataSource
      .getRepository(WebhookDeliveryRecord)
      .createQueryBuilder('d')
      .where('d.endpointId = :endpoint', { endpoint: query.endpointId })
      .orderBy('d.position', 'DESC')
      .limit(query.limit + 1);
    if (before) builder.andWhere('d.position < :before', { before });
    const rows = await builder.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(deliveryView),
      next: rows.length > query.limit && last ? encodeDeliveryCursor(String(last.position)) : null,
    };
  }
}
