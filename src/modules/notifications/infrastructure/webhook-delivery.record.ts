import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint: the exact body to POST, and how its attempts went. */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'endpoint_id' })
  endpointId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  /** The order the event is about: deliveries of one (endpoint, order) go out in event order. */
  @Column('uuid', { name: 'sequence_key' })
  sequenceKey!: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  /** `bigint GENERATED ALWAYS AS IDENTITY`: rows are inserted with SQL, never through TypeORM. */
  @Column('bigint')
  position!: string;

  @Column('text')
  body!: string;

  @Column('text')
  status!: DeliveryStatus;

  /** Attempts in the current run (a manual redelivery starts a new run at 0). */
  @Column('int')
  attempts!: number;

  /** Bumped whenever a job is scheduled for the delivery; a job carrying an older value is stale. */
  @Column('int')
  dispatch!: number;

  @Column('int', { name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  /** When the next attempt is due; null while it waits for an earlier delivery of its sequence. */
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt!: Date | null;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
