import { startEmbeddedPostgres } from '#libs/database';

/**
 * `npm run db:embedded`: runs the embedded PostgreSQL alone and prints its URL, so split
 * processes on a laptop can share one database (set DATABASE_URL to the printed URL).
 */
async function main(): Promise<void> {
  const database = await startEmbeddedPostgres({
    dataDir: process.env.EMBEDDED_POSTGRES_DIR || '.data/postgres',
    port: Number(process.env.EMBEDDED_POSTGRES_PORT || 5499),
  });
  process.stdout.write(`${database.url}\n`);
  process.stderr.write('embedded PostgreSQL is running; Ctrl-C stops it\n');
  const stop = () => void database.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`db:embedded: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
