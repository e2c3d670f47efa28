/** Integer minor units and an ISO 4217 currency, as events carry money. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export type OrderNews =
  | { readonly kind: 'confirmed'; readonly orderId: string; readonly total: Money }
  | { readonly kind: 'cancelled'; readonly orderId: string; readonly total: Money; readonly reason: string };

const REASONS: Record<string, string> = {
  out_of_stock: 'some items were out of stock',
  payment_failed: 'the payment did not go through',
  reservation_expired: 'the order was not paid in time',
  customer_cancelled: 'you cancelled it',
  timed_out: 'it could not be completed in time',
};

export function formatMoney(money: Money): string {
  return `${(money.amount / 100).toFixed(2)} ${money.currency}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The customer's email about their order: plain text and HTML saying the same. */
export function orderEmail(to: string, news: OrderNews): EmailMessage {
  const total = formatMoney(news.total);
  const lines =
    news.kind === 'confirmed'
      ? {
          subject: `Your order ${news.orderId} is confirmed`,
          heading: 'Order confirmed',
          body: [
            `Your order ${news.orderId} is confirmed: we received your payment.`,
            `Status: confirmed. Total: ${total}.`,
          ],
        }
      : {
          subject: `Your order ${news.orderId} was cancelled`,
          heading: 'Order cancelled',
          body: [
            `Your order ${news.orderId} was cancelled: ${REASONS[news.reason] ?? news.reason}.`,
            `Status: cancelled (reason: ${news.reason}). Total: ${total}.`,
          ],
        };
  return {
    to,
    subject: lines.subject,
    text: `${lines.heading}\n\n${lines.body.join('\n')}\n\nTessera\n`,
    html:
      `<!doctype html><html><body><h1>${escapeHtml(lines.heading)}</h1>` +
      lines.body.map((line) => `<p>${escapeHtml(line)}</p>`).join('') +
      `<p>Tessera</p></body></html>`,
  };
}
