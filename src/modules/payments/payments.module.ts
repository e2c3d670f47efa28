import { PaymentFailed, PaymentRefunded, PaymentSucceeded } from '#libs/contracts';
import { defineModule } from '#libs/modularity';
import { paymentsSettings } from './payments.settings';
import { ApplyProviderEventHandler } from './application/commands/apply-provider-event.handler';
import { ChargePaymentHandler } from './application/commands/charge-payment.handler';
import { RedriveOverduePaymentsHandler } from './application/commands/redrive-overdue-payments.handler';
import { ReceiveProviderWebhookHandler } from './application/commands/receive-provider-webhook.handler';
import { RefundPaymentHandler } from './application/commands/refund-payment.handler';
import { RequestRefundHandler } from './application/commands/request-refund.handler';
import { RecordOrderIntentHandler } from './application/events/record-order-intent.handler';
import { SettlePaymentOfCancelledOrderHandler } from './application/events/settle-payment-of-cancelled-order.handler';
import { StartPaymentWhenStockReservedHandler } from './application/events/start-payment-when-stock-reserved.handler';
import { PaymentTransitions } from './application/payment-transitions';
import { OrderIntentStore } from './application/ports/order-intent-store';
import { PaymentJobs } from './application/ports/payment-jobs';
import { PAYMENT_PROVIDERS, PaymentProvider } from './application/ports/payment-provider';
import { PaymentStore } from './application/ports/payment-store';
import { ProviderEventStore } from './application/ports/provider-event-store';
import { GetPaymentHandler } from './application/queries/get-payment.handler';
import { CreatePaymentsTables1764700000000 } from './infrastructure/migrations/create-payments-tables';
import { IndexPaymentsAwaitingJobs1765300000000 } from './infrastructure/migrations/index-payments-awaiting-jobs';
import { RememberStockReservedFirst1767400000000 } from './infrastructure/migrations/remember-stock-reserved-first';
import { ChargesAtOnce } from './application/charges-at-once';
import { PaymentStarts } from './application/payment-starts';
import { ProviderCharge } from './application/provider-charge';
import {
  BullmqPaymentJobs,
  CHARGE_QUEUE,
  PROVIDER_EVENT_QUEUE,
  REFUND_QUEUE,
} from './infrastructure/bullmq-payment-jobs';
import { PostgresOrderIntentStore } from './infrastructure/postgres-order-intent-store';
import { PostgresPaymentStore } from './infrastructure/postgres-payment-store';
import { PostgresProviderEventStore } from './infrastructure/postgres-provider-event-store';
import { SandboxProvider } from './infrastructure/sandbox/sandbox-provider';
import { SANDBOX_WEBHOOK_QUEUE, SandboxWebhooks } from './infrastructure/sandbox/sandbox-webhooks';
import { OrderPaymentController } from './interface/http/order-payment.controller';
import { PaymentWebhooksController } from './interface/http/payment-webhooks.controller';
import { PaymentsController } from './interface/http/payments.controller';
import { SandboxController } from './interface/http/sandbox.controller';
import { ChargeProcessor } from './interface/jobs/charge.processor';
import { OverduePaymentSweeper } from './interface/jobs/overdue-payment-sweeper';
import { ProviderEventProcessor } from './interface/jobs/provider-event.processor';
import { RefundProcessor } from './interface/jobs/refund.processor';
import { SandboxWebhookSenderProcessor } from './interface/jobs/sandbox-webhook-sender.processor';

/** Charges orders whose stock is held, through a provider port, and refunds them. See README.md. */
export const paymentsModule = defineModule({
  name: 'payments',
  schema: 'payments',
  settings: paymentsSettings,
  entities: [],
  migrations: [
    CreatePaymentsTables1764700000000,
    IndexPaymentsAwaitingJobs1765300000000,
    RememberStockReservedFirst1767400000000,
  ],
  providers: [
    { provide: PaymentStore, useClass: PostgresPaymentStore },
    { provide: OrderIntentStore, useClass: PostgresOrderIntentStore },
    { provide: ProviderEventStore, useClass: PostgresProviderEventStore },
    { provide: PaymentJobs, useClass: BullmqPaymentJobs },
    PaymentTransitions,
    ProviderCharge,
    ChargesAtOnce,
    PaymentStarts,
    SandboxWebhooks,
    SandboxProvider,
    { provide: PaymentProvider, useExisting: SandboxProvider },
    {
      provide: PAYMENT_PROVIDERS,
      useFactory: (...providers: PaymentProvider[]) => new Map(providers.map((p) => [p.name, p])),
      inject: [SandboxProvider],
    },
    ChargePaymentHandler,
    RefundPaymentHandler,
    RequestRefundHandler,
    ReceiveProviderWebhookHandler,
    ApplyProviderEventHandler,
    RedriveOverduePaymentsHandler,
    GetPaymentHandler,
  ],
  controllers: [PaymentsController, OrderPaymentController, PaymentWebhooksController, SandboxController],
  processors: [
    ChargeProcessor,
    RefundProcessor,
    ProviderEventProcessor,
    SandboxWebhookSenderProcessor,
    // Schedules again the jobs lost past PAYMENT_CHARGE_DEADLINE_SECONDS.
    OverduePaymentSweeper,
  ],
  queues: [
    { name: CHARGE_QUEUE },
    { name: REFUND_QUEUE },
    { name: PROVIDER_EVENT_QUEUE },
    { name: SANDBOX_WEBHOOK_QUEUE },
  ],
  // The order's payment lives under ordering's path: a path router sends that one route here.
  routes: ['/v1/payments', '~ ^/v1/orders/[^/]+/payment$'],
  publishes: [PaymentSucceeded, PaymentFailed, PaymentRefunded],
  eventHandlers: [RecordOrderIntentHandler, StartPaymentWhenStockReservedHandler, SettlePaymentOfCancelledOrderHandler],
});
