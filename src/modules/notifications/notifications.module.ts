import { defineModule } from '#libs/modularity';
import { notificationsSettings } from './notifications.settings';
import { AttemptWebhookDeliveryHandler } from './application/commands/attempt-webhook-delivery.handler';
import { DeleteWebhookEndpointHandler } from './application/commands/delete-webhook-endpoint.handler';
import { EnableWebhookEndpointHandler } from './application/commands/enable-webhook-endpoint.handler';
import { RedeliverWebhookHandler } from './application/commands/redeliver-webhook.handler';
import { RedispatchOverdueDeliveriesHandler } from './application/commands/redispatch-overdue-deliveries.handler';
import { RegisterWebhookEndpointHandler } from './application/commands/register-webhook-endpoint.handler';
import { SendEmailHandler } from './application/commands/send-email.handler';
import { AnnounceOrderCancelledHandler } from './application/events/announce-order-cancelled.handler';
import { AnnounceOrderConfirmedHandler } from './application/events/announce-order-confirmed.handler';
import { AnnounceOrderPlacedHandler } from './application/events/announce-order-placed.handler';
import {
  AnnouncePaymentFailedHandler,
  AnnouncePaymentRefundedHandler,
  AnnouncePaymentSucceededHandler,
} from './application/events/announce-payment-events.handler';
import {
  ProjectCustomerRolesHandler,
  ProjectRegisteredCustomerHandler,
} from './application/events/project-customer.handler';
import { OrderEmails } from './application/order-emails';
import { CustomerDirectory } from './application/ports/customer-directory';
import { DeliveryStore } from './application/ports/delivery-store';
import { EmailJobs } from './application/ports/email-jobs';
import { EndpointStore } from './application/ports/endpoint-store';
import { Mailer } from './application/ports/mailer';
import { NotificationMetrics } from './application/ports/notification-metrics';
import { WebhookDeliveryJobs } from './application/ports/webhook-delivery-jobs';
import { WebhookTargetResolver } from './application/ports/webhook-target-resolver';
import { WebhookTransport } from './application/ports/webhook-transport';
import { ListWebhookDeliveriesHandler } from './application/queries/list-webhook-deliveries.handler';
import { ListWebhookEndpointsHandler } from './application/queries/list-webhook-endpoints.handler';
import { WebhookFanOut } from './application/webhook-fan-out';
import { BullmqEmailJobs, EMAIL_QUEUE } from './infrastructure/bullmq-email-jobs';
import { BullmqWebhookDeliveryJobs, WEBHOOK_DELIVERY_QUEUE } from './infrastructure/bullmq-webhook-delivery-jobs';
import { DnsWebhookTargetResolver } from './infrastructure/dns-webhook-target-resolver';
import { HttpWebhookTransport } from './infrastructure/http-webhook-transport';
import { CreateNotificationsTables1764700000000 } from './infrastructure/migrations/create-notifications-tables';
import { PartitionWebhookDeliveries1767300000000 } from './infrastructure/migrations/partition-webhook-deliveries';
import { PostgresCustomerDirectory } from './infrastructure/postgres-customer-directory';
import { PostgresDeliveryStore } from './infrastructure/postgres-delivery-store';
import { PostgresEndpointStore } from './infrastructure/postgres-endpoint-store';
import { PrometheusNotificationMetrics } from './infrastructure/prometheus-notification-metrics';
import { SmtpMailer } from './infrastructure/smtp-mailer';
import { WebhookEndpointsController } from './interface/http/webhook-endpoints.controller';
import { EmailProcessor } from './interface/jobs/email.processor';
import { OverdueDeliverySweeper } from './interface/jobs/overdue-delivery-sweeper';
import { WebhookDeliveryPartitions } from './interface/jobs/webhook-delivery-partitions';
import { WebhookDeliveryProcessor } from './interface/jobs/webhook-delivery.processor';

/** Signed, ordered, retried webhooks to customers' endpoints, and order emails. See README.md. */
export const notificationsModule = defineModule({
  name: 'notifications',
  schema: 'notifications',
  settings: notificationsSettings,
  entities: [],
  migrations: [CreateNotificationsTables1764700000000, PartitionWebhookDeliveries1767300000000],
  providers: [
    // Every process that writes the table keeps its partitions, whatever its roles.
    WebhookDeliveryPartitions,
    { provide: DeliveryStore, useClass: PostgresDeliveryStore },
    { provide: EndpointStore, useClass: PostgresEndpointStore },
    { provide: CustomerDirectory, useClass: PostgresCustomerDirectory },
    { provide: WebhookDeliveryJobs, useClass: BullmqWebhookDeliveryJobs },
    { provide: EmailJobs, useClass: BullmqEmailJobs },
    { provide: WebhookTargetResolver, useClass: DnsWebhookTargetResolver },
    { provide: WebhookTransport, useClass: HttpWebhookTransport },
    { provide: Mailer, useClass: SmtpMailer },
    { provide: NotificationMetrics, useClass: PrometheusNotificationMetrics },
    WebhookFanOut,
    OrderEmails,
    RegisterWebhookEndpointHandler,
    DeleteWebhookEndpointHandler,
    EnableWebhookEndpointHandler,
    RedeliverWebhookHandler,
    AttemptWebhookDeliveryHandler,
    RedispatchOverdueDeliveriesHandler,
    SendEmailHandler,
    ListWebhookEndpointsHandler,
    ListWebhookDeliveriesHandler,
  ],
  controllers: [WebhookEndpointsController],
  processors: [WebhookDeliveryProcessor, EmailProcessor, OverdueDeliverySweeper],
  queues: [{ name: WEBHOOK_DELIVERY_QUEUE }, { name: EMAIL_QUEUE }],
  routes: ['/v1/webhook-endpoints'],
  publishes: [],
  eventHandlers: [
    ProjectRegisteredCustomerHandler,
    ProjectCustomerRolesHandler,
    AnnounceOrderPlacedHandler,
    AnnounceOrderConfirmedHandler,
    AnnounceOrderCancelledHandler,
    AnnouncePaymentSucceededHandler,
    AnnouncePaymentFailedHandler,
    AnnouncePaymentRefundedHandler,
  ],
});
