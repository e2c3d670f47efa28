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
import { ListWebhookDeliveriesHandler } from './application/queries/list-webhook-deliveries.handler';
import { ListWebhookEndpointsHandler } from './application/queries/list-webhook-endpoints.handler';
import { WebhookFanOut } from './application/webhook-fan-out';
import { CustomerRecord } from './infrastructure/customer.record';
import { EMAIL_QUEUE, EmailJobs } from './infrastructure/email-jobs';
import { Mailer } from './infrastructure/mailer';
import { CreateNotificationsTables1764700000000 } from './infrastructure/migrations/create-notifications-tables';
import { WebhookDeliveryRecord } from './infrastructure/webhook-delivery.record';
import { WEBHOOK_DELIVERY_QUEUE, WebhookDeliveryJobs } from './infrastructure/webhook-delivery-jobs';
import { WebhookEndpointRecord } from './infrastructure/webhook-endpoint.record';
import { WebhookTargetResolver } from './infrastructure/webhook-target-resolver';
import { WebhookTransport } from './infrastructure/webhook-transport';
import { WebhookEndpointsController } from './interface/http/webhook-endpoints.controller';
import { EmailProcessor } from './interface/jobs/email.processor';
import { OverdueDeliverySweeper } from './interface/jobs/overdue-delivery-sweeper';
import { WebhookDeliveryProcessor } from './interface/jobs/webhook-delivery.processor';

/** Signed, ordered, retried webhooks to customers' endpoints, and order emails. See README.md. */
export const notificationsModule = defineModule({
  name: 'notifications',
  schema: 'notifications',
  settings: notificationsSettings,
  entities: [CustomerRecord, WebhookEndpointRecord, WebhookDeliveryRecord],
  migrations: [CreateNotificationsTables1764700000000],
  providers: [
    WebhookDeliveryJobs,
    EmailJobs,
    WebhookTargetResolver,
    WebhookTransport,
    Mailer,
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
