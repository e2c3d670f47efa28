/**
 * Appends `value` to the `params` of a statement being built and answers its placeholder with
 * a cast (`$3::uuid`), for SQL assembled from parts (`GroupCommit` CTEs, `Outbox.prepare`).
 */
export function statementParameter(params: unknown[], value: unknown, type: string): string {
  return `$${params.push(value)}::${type}`;
}
