import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, runToExit } from '../support/app-process';
import { createTestDatabase } from '../support/test-database';

describe('ormconfig.ts (the TypeORM CLI)', () => {
  it("lists a module's migrations as the app applied them (outbox/inbox first)", async () => {
    const db = await createTestDatabase('ormconfig');
    try {
      const cli = () =>
        promisify(execFile)(
          join(ROOT, 'node_modules/.bin/typeorm'),
          ['migration:show', '-d', 'dist-test/ormconfig.js'],
          {
            cwd: ROOT,
            env: { ...process.env, MODULE: 'identity', DATABASE_URL: db.url },
          },
        ).catch((error: { stdout: string }) => error);
      expect(
        (await runToExit({ entry: 'main', args: ['migrate', '--modules', 'identity'], env: { DATABASE_URL: db.url } }))
          .code,
      ).toBe(0);
      expect((await cli()).stdout).toMatch(
        /\[X\] 1 MessagingTables1764000000000[\s\S]*\[X\] 2 CreateIdentityTables1764300000000/,
      );
    } finally {
      await db.drop();
    }
  });
});
