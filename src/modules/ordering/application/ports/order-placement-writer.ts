import type { IdempotencyClaim, IdempotentResponse } from '#libs/http';
import type { OrderState, ProductCopy } from '../../domain/order';

/** A priced order, ready to be written with its `OrderPlaced` event and its idempotency key. */
export interface OrderPlacement {
  readonly order: OrderState;
  /** The response recorded under the key in the same commit: a retry gets exactly this. */
  readonly response: { readonly claim: IdempotencyClaim; readonly status: number; readonly body: unknown };
  /** Copies priced from without reading them: the order is written only if none has moved since. */
  readonly pricedFromKept?: readonly ProductCopy[];
}

export type PlacementOutcome =
  /** Written and committed; the response carries the LSN of the commit when it was read. */
  | { readonly kind: 'placed'; readonly response: IdempotentResponse }
  /** A kept copy priced from has moved: nothing was written. */
  | { readonly kind: 'copy_moved' }
  /** The key is another request's (a replay, a reuse or one in progress): nothing was written. */
  | { readonly kind: 'key_taken' };

/** Writes a placement in one statement: the key with its response, the order and its event, or nothing. */
export abstract class OrderPlacementWriter {
  abstract place(placement: OrderPlacement): Promise<PlacementOutcome>;
}
