import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EndpointStatus } from '../domain/webhook-endpoint';
import type { WebhookEventType } from '../domain/webhook-event-types';

@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'owner_id' })
  ownerId!: string;

  @Column('text')
  url!: string;

  @Column('text', { name: 'event_types', array: true })
  eventTypes!: WebhookEventType[];

  /** Shown once, in the response that created the endpoint; signs every delivery. */
  @Column('text')
  secret!: string;

  @Column('text')
  status!: EndpointStatus;

  /** Failed attempts in a row, any delivery; a success resets it. */
  @Column('int', { name: 'consecutive_failures' })
  consecutiveFailures!: number;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
