/** A PostgreSQL LSN (WAL position) such as `16/B374D848`, as a number that orders correctly. */
export function lsnValue(lsn: string): bigint | undefined {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  return match ? (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`) : undefined;
}

/** Whether LSN `a` is at or after LSN `b`. */
export function lsnAtLeast(a: string, b: string): boolean {
  const left = lsnValue(a);
  const right = lsnValue(b);
  return left !== undefined && right !== undefined && left >= right;
}
