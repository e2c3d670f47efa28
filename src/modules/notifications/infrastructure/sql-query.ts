import type { DataSource, EntityManager } from 'typeorm';

/** A statement off the hot paths, sent unnamed through TypeORM (hot ones are prepared: docs/decisions/0009-prepared-statements.md). */
export async function query<Row>(on: DataSource | EntityManager, text: string, values: unknown[] = []): Promise<Row[]> {
  return (await on.query(text, values)) as Row[];
}
