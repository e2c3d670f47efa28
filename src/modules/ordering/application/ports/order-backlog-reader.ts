import type { OrderBacklog } from '../../domain/order-backlog';

/** Reads the saga's backlog from the primary (a replica's lag would hide the newest orders). */
export abstract class OrderBacklogReader {
  /** The orders in the saga, counted up to `countUpTo` (a reading past it says `countUpTo`). */
  abstract read(countUpTo: number): Promise<OrderBacklog>;
}
