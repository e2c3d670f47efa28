import { HttpStatus, Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { ProblemException, problemType, ValidationProblem, type ProblemDetails } from '#libs/problems';
import { canonicalJson } from './canonical-json';
import { checkIdempotencyKey, requestHash } from './request-identity';

/**
 * 4xx failures that say "not now" rather than "never": the key is released instead of
 * recorded, so a retry with it can still succeed.
 */
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429]);

export interface IdempotentRequest {
  /** Whose key it is (e.g. the caller's user id): one key string means nothing across callers. */
  readonly scope: string;
  /** The `Idempotency-Key` header as received. */
  readonly key: string | string[] | undefined;
  readonly method: string;
  /** The path without the query string (also the `instance` of a recorded problem). */
  readonly path: string;
  /** The JSON body as the client sent it. */
  readonly body: unknown;
  /** The request id, written into a recorded problem as the problem filter would. */
  readonly requestId?: string;
}

/** A response an idempotency key holds: sent the first time, replayed byte for byte after. */
export interface IdempotentResponse {
  readonly status: number;
  /** The JSON body (canonical: keys sorted). */
  readonly body: string;
  /** True when this is the stored answer to an earlier request with the key. */
  readonly replayed: boolean;
}

export interface IdempotencyKeysOptions {
  /** How long a key replays its first response; an older key counts as absent. */
  readonly ttlHours: number;
  /**
   * An `in_progress` key older than this belongs to a request whose process died: a retry
   * of the same request may claim it again. Far longer than any request takes.
   */
  readonly abandonedAfterSeconds?: number;
}

/** The claim went to another request meanwhile (only possible after `abandonedAfterSeconds`). */
export class IdempotencyClaimLost extends Error {}

/** A parameter of the statement being built: appended to `params`, answered as its cast placeholder. */
function parameter(params: unknown[], value: unknown, type: string): string {
  return `$${params.push(value)}::${type}`;
}

/** Writes the statement that records a response for a claim, appending its values to `params`. */
type RecordingSql = (params: unknown[], status: number, body: string) => string;

/** The UPDATE that records a response while a claim made beforehand holds (one row returned if it does). */
function recordingUpdate(scope: string, key: string, claimedAt: Date): RecordingSql {
  return (params, status, body) => `UPDATE idempotency_keys
     SET state = 'completed', response_status = ${parameter(params, status, 'smallint')},
         response_body = ${parameter(params, body, 'jsonb')}
   WHERE scope = ${parameter(params, scope, 'text')} AND key = ${parameter(params, key, 'text')}
     AND created_at = ${parameter(params, claimedAt, 'timestamptz')} AND state = 'in_progress'
   RETURNING 1`;
}

/**
 * The INSERT that claims a key and records its response at once (`executeWithEffect`): one row
 * returned if the key was free (or expired, or abandoned by the same request), none if another
 * request has it, or is writing it right now.
 */
function claimingInsert(
  scope: string,
  key: string,
  hash: string,
  options: Required<IdempotencyKeysOptions>,
): RecordingSql {
  return (params, status, body) => {
    const $scope = parameter(params, scope, 'text');
    const $key = parameter(params, key, 'text');
    return `INSERT INTO idempotency_keys AS k
         (scope, key, request_hash, state, response_status, response_body, created_at, expires_at)
       SELECT ${$scope}, ${$key}, ${parameter(params, hash, 'text')}, 'completed',
              ${parameter(params, status, 'smallint')}, ${parameter(params, body, 'jsonb')},
              date_trunc('milliseconds', now()), now() + make_interval(hours => ${parameter(params, options.ttlHours, 'int')})
        -- A request with this key in the middle of this same statement holds the lock until it
        -- commits: answer 409 at once instead of queueing behind it.
        WHERE pg_try_advisory_xact_lock(hashtextextended(current_schema() || ' ' || ${$scope} || ' ' || ${$key}, 0))
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'completed', response_status = EXCLUDED.response_status,
             response_body = EXCLUDED.response_body, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE k.expires_at <= now()
          OR (k.state = 'in_progress' AND k.request_hash = EXCLUDED.request_hash
              AND k.created_at <= now() - make_interval(secs => ${parameter(params, options.abandonedAfterSeconds, 'int')}))
       RETURNING 1`;
  };
}

/**
 * The right to run one request for an idempotency key. The work records its response together
 * with its effect, so the effect never exists without the response a retry will get: with
 * `complete(manager, ...)` inside the effect's transaction, or with `recordWithin(...)` inside
 * the one statement that makes the effect. Under `execute` the key was claimed beforehand;
 * under `executeWithEffect` recording the response is what claims it.
 */
export class IdempotencyClaim {
  private recorded: IdempotentResponse | undefined;

  constructor(
    readonly scope: string,
    readonly key: string,
    private readonly recordingSql: RecordingSql,
    /** When a claim made beforehand was made (tells it from a later one of the same key). */
    readonly claimedAt?: Date,
  ) {}

  /** The response recorded by `complete` or `recordWithin`, once it has been. */
  get response(): IdempotentResponse | undefined {
    return this.recorded;
  }

  /** Records the response in the caller's transaction; returns it as it will be sent. */
  async complete(manager: EntityManager, status: number, body: unknown): Promise<IdempotentResponse> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('complete an idempotency key inside the transaction of the effect it records');
    }
    const text = canonicalJson(body);
    return this.settle(await this.write(manager, status, text), status, text);
  }

  /**
   * Records a refusal (a 4xx) on its own, the work's writes having rolled back: the response
   * as it will be sent, or undefined if the key is another request's.
   */
  async recordRefusal(dataSource: DataSource, status: number, body: unknown): Promise<IdempotentResponse | undefined> {
    const text = canonicalJson(body);
    return (await this.write(dataSource, status, text)) ? this.settle(true, status, text) : undefined;
  }

  private async write(on: DataSource | EntityManager, status: number, text: string): Promise<boolean> {
    const params: unknown[] = [];
    const [row] = await queryPrepared<{ n: number }>(
      on,
      `WITH done AS (${this.recordingSql(params, status, text)}) SELECT count(*)::int AS n FROM done`,
      params,
    );
    return row?.n === 1;
  }

  /**
   * For work written as ONE statement (see `Outbox.prepare`): appends to the statement's
   * `params` and returns `sql`, the body of a data-modifying CTE that records the response and
   * returns one row while the claim holds (gate the statement's writes on it, so they happen
   * exactly when the response is recorded). Once the statement ran, `confirm(heldRow)` gives
   * the response as it will be sent (or throws if the claim was lost).
   */
  recordWithin(
    params: unknown[],
    status: number,
    body: unknown,
  ): { readonly sql: string; confirm(held: boolean): IdempotentResponse } {
    const text = canonicalJson(body);
    return {
      sql: this.recordingSql(params, status, text),
      confirm: (held) => this.settle(held, status, text),
    };
  }

  private settle(held: boolean, status: number, body: string): IdempotentResponse {
    if (!held) throw new IdempotencyClaimLost(`idempotency key ${this.key} was claimed by another request`);
    this.recorded = { status, body, replayed: false };
    return this.recorded;
  }
}

/**
 * `Idempotency-Key` handling for writes with money or stock effects, on a module's own
 * `idempotency_keys` table (see `createIdempotencyKeysTable`). Per (scope, key):
 *
 * - first request: the work runs and records its response with its effect
 *   (`IdempotencyClaim`); `execute` first claims the key `in_progress` in a commit of its own,
 *   `executeWithEffect` claims it with the effect's own write;
 * - same key and request again: the recorded status and body, byte for byte;
 * - same key, different request (method, path or body): 422 `idempotency-key-reused`;
 * - same key while the first is still running: 409 `idempotency-key-in-use`, `Retry-After: 1`;
 * - a 4xx the work fails with is recorded and replayed like a success (except 408/409/425/429);
 *   any other error releases the key so a retry runs again;
 * - a key older than `ttlHours` counts as absent; `pruneExpired` deletes such keys.
 */
export class IdempotencyKeys {
  private readonly logger = new Logger('IdempotencyKeys');
  private readonly settings: Required<IdempotencyKeysOptions>;

  constructor(
    private readonly dataSource: DataSource,
    options: IdempotencyKeysOptions,
  ) {
    this.settings = { abandonedAfterSeconds: 60, ...options };
  }

  /**
   * Runs `work` at most once for the request's key and answers with its recorded response.
   * `toProblem` turns the work's domain errors into problems (the rest are treated as 5xx).
   * The key is claimed before the work starts: for work with effects outside the database.
   */
  async execute(
    request: IdempotentRequest,
    work: (claim: IdempotencyClaim) => Promise<unknown>,
    toProblem: (error: unknown) => ProblemException | undefined = () => undefined,
  ): Promise<IdempotentResponse> {
    const key = parseIdempotencyKey(request.key);
    const claimed = await this.claim(request.scope, key, requestHash(request));
    if (!(claimed instanceof IdempotencyClaim)) return claimed;
    return this.run(claimed, request, work, toProblem, () => Promise.reject(keyInUse()));
  }

  /**
   * `execute` for work whose only effect is the database write that records its response
   * (`recordWithin` or `complete`): that write claims the key as well, so the key costs no
   * round trip and no commit of its own. The work runs before the key is looked at; a replay
   * or a reused key is answered once its write finds the key taken (the work's writes then
   * never happen). A request whose write meets another's with the same key at that moment
   * gets 409. Work with effects outside the database (a provider call) needs `execute`.
   */
  async executeWithEffect(
    request: IdempotentRequest,
    work: (claim: IdempotencyClaim) => Promise<unknown>,
    toProblem: (error: unknown) => ProblemException | undefined = () => undefined,
  ): Promise<IdempotentResponse> {
    const key = parseIdempotencyKey(request.key);
    const hash = requestHash(request);
    const claim = new IdempotencyClaim(request.scope, key, claimingInsert(request.scope, key, hash, this.settings));
    return this.run(claim, request, work, toProblem, async () => {
      // Absent: the request that has the key has not committed yet.
      return (await this.existingAnswer(request.scope, key, hash)) ?? Promise.reject(keyInUse());
    });
  }

  /** Deletes keys past their TTL, in batches; returns how many. */
  async pruneExpired(batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const [row] = (await this.dataSource.query(
        `WITH gone AS (
           DELETE FROM idempotency_keys WHERE ctid IN (
             SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [batchSize],
      )) as [{ n: number }];
      total += row.n;
      if (row.n < batchSize) return total;
    }
  }

  /** The work under a claim; `taken` answers when its recording finds the key another request's. */
  private async run(
    claim: IdempotencyClaim,
    request: IdempotentRequest,
    work: (claim: IdempotencyClaim) => Promise<unknown>,
    toProblem: (error: unknown) => ProblemException | undefined,
    taken: () => Promise<IdempotentResponse>,
  ): Promise<IdempotentResponse> {
    try {
      await work(claim);
    } catch (error) {
      if (error instanceof IdempotencyClaimLost) return taken();
      const problem = error instanceof ProblemException ? error : toProblem(error);
      const status = problem?.getStatus() ?? HttpStatus.INTERNAL_SERVER_ERROR;
      if (problem && status >= 400 && status < 500 && !RETRYABLE_STATUSES.has(status)) {
        let recorded: IdempotentResponse | undefined;
        try {
          recorded = await claim.recordRefusal(this.dataSource, status, problemBody(problem, request));
        } catch (recordError) {
          this.logger.warn(`could not record a refusal for idempotency key ${claim.key}: ${String(recordError)}`);
          await this.release(claim);
          throw problem;
        }
        return recorded ?? taken();
      }
      await this.release(claim);
      throw problem ?? error;
    }
    if (!claim.response) {
      await this.release(claim);
      throw new Error(
        'idempotent work finished without recording its response (IdempotencyClaim.complete or recordWithin)',
      );
    }
    return claim.response;
  }

  /**
   * One statement claims a new key, or takes over an expired one (or an abandoned one of the
   * same request); otherwise the existing key decides the answer.
   */
  private async claim(scope: string, key: string, hash: string): Promise<IdempotencyClaim | IdempotentResponse> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await queryPrepared<{ created_at: Date }>(
        this.dataSource,
        `INSERT INTO idempotency_keys AS k (scope, key, request_hash, state, created_at, expires_at)
         VALUES ($1, $2, $3, 'in_progress', date_trunc('milliseconds', now()), now() + make_interval(hours => $4))
         ON CONFLICT (scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in_progress', response_status = NULL,
               response_body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
         WHERE k.expires_at <= now()
            OR (k.state = 'in_progress' AND k.request_hash = EXCLUDED.request_hash
                AND k.created_at <= now() - make_interval(secs => $5))
         RETURNING created_at`,
        [scope, key, hash, this.settings.ttlHours, this.settings.abandonedAfterSeconds],
      );
      if (claimed[0]) {
        const claimedAt = claimed[0].created_at;
        return new IdempotencyClaim(scope, key, recordingUpdate(scope, key, claimedAt), claimedAt);
      }
      const existing = await this.existingAnswer(scope, key, hash);
      if (existing) return existing;
      // released in between: claim it again
    }
    throw keyInUse();
  }

  /**
   * What a key another request has means for this one: its recorded response (a replay), 422
   * if it was used for a different request, 409 while it runs; undefined if there is none.
   */
  private async existingAnswer(scope: string, key: string, hash: string): Promise<IdempotentResponse | undefined> {
    const [existing] = await queryPrepared<{
      request_hash: string;
      state: string;
      response_status: number | null;
      response_body: unknown;
    }>(
      this.dataSource,
      `SELECT request_hash, state, response_status, response_body FROM idempotency_keys
        WHERE scope = $1 AND key = $2 AND expires_at > now()`,
      [scope, key],
    );
    if (!existing) return undefined;
    if (existing.request_hash !== hash) {
      throw new ProblemException(
        'idempotency-key-reused',
        HttpStatus.UNPROCESSABLE_ENTITY,
        'Idempotency key reused',
        'this Idempotency-Key was already used for a different request; send a new key with a new request',
      );
    }
    if (existing.state === 'completed' && existing.response_status !== null) {
      return { status: existing.response_status, body: canonicalJson(existing.response_body), replayed: true };
    }
    throw keyInUse();
  }

  /** Gives back a key claimed beforehand whose work failed, so a retry runs again. */
  private async release(claim: IdempotencyClaim): Promise<void> {
    if (!claim.claimedAt) return; // claimed with the effect: nothing was written
    try {
      await this.dataSource.query(
        `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at = $3 AND state = 'in_progress'`,
        [claim.scope, claim.key, claim.claimedAt],
      );
    } catch (error) {
      // The key stays in_progress until abandonedAfterSeconds; then a retry may claim it.
      this.logger.warn(`could not release idempotency key ${claim.key}: ${String(error)}`);
    }
  }
}

/** The key of an `Idempotency-Key` header, or a 400 saying what is wrong with it. */
export function parseIdempotencyKey(value: string | string[] | undefined): string {
  const checked = checkIdempotencyKey(value);
  if ('error' in checked) throw new ValidationProblem([{ field: 'Idempotency-Key', message: checked.error }]);
  return checked.key;
}

function keyInUse(): ProblemException {
  return new ProblemException(
    'idempotency-key-in-use',
    HttpStatus.CONFLICT,
    'Idempotency key in use',
    'a request with this Idempotency-Key is still being processed; retry shortly',
    {},
    { 'Retry-After': '1' },
  );
}

/** The problem+json body the problem filter would send, so a replay matches it. */
function problemBody(problem: ProblemException, request: IdempotentRequest): ProblemDetails {
  return {
    type: problemType(problem.slug),
    title: problem.title,
    status: problem.getStatus(),
    detail: problem.message,
    instance: request.path,
    ...(request.requestId ? { requestId: request.requestId } : {}),
    ...problem.extensions,
  };
}
