/**
 * Splits deliveries into runs of consecutive items that share a handler, keeping their order:
 * a run can go to a handler's `handleMany` in one call without moving any event ahead of one
 * delivered before it for another handler.
 */
export function runsOfOneHandler<T extends { readonly handler: unknown }>(items: readonly T[]): [T, ...T[]][] {
  const runs: [T, ...T[]][] = [];
  for (const item of items) {
    const last = runs[runs.length - 1];
    if (last && last[0].handler === item.handler) last.push(item);
    else runs.push([item]);
  }
  return runs;
}
