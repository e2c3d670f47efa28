import { HttpStatus, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { queryPrepared, statementParameter } from '#libs/sql';
import { ProblemException, problemType, ValidationProblem, type ProblemDetails } from '#libs/problems';
import { canonicalJson } from './canonical-json';
import { checkIdempotencyKey, requestHash } from './request-identity';

/** 4xx that mean "not now" rather than "never": not recorded, so a retry can still succeed. */
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
  /** The LSN of the write that recorded it, when that write read it: the `Consistency-Token` to send. */
  readonly consistencyToken?: string;
}

/** What idempotent work came to: its response recorded with the key, or the key found taken. */
export type IdempotentOutcome =
  { readonly kind: 'recorded'; readonly response: IdempotentResponse } | { readonly kind: 'key_taken' };

export interface IdempotencyKeysOptions {
  /** How long a key replays its first response; an older key counts as absent. */
  readonly ttlHours: number;
  /** An `in_progress` key older than this was left by a dead process: the same request may take it over. */
  readonly abandonedAfterSeconds?: number;
}

/**
 * The right to run one request for a key, claimed in the statement that makes the work's effect,
 * so the effect exists exactly when the recorded response does (docs/decisions/0020-idempotency-keys.md).
 */
export class IdempotencyClaim {
  constructor(
    readonly scope: string,
    readonly key: string,
    private readonly requestHash: string,
    private readonly settings: Required<IdempotencyKeysOptions>,
    /** The module's schema, where its `idempotency_keys` table lives. */
    private readonly schema: string,
  ) {}

  /**
   * A data-modifying CTE that claims the key with the response and returns one row if it got it
   * (gate the work's writes on it); `gate` names an earlier CTE that must have a row first.
   */
  recordWithin(
    params: unknown[],
    status: number,
    body: unknown,
    gate?: string,
  ): { readonly sql: string; recorded(lsn?: string): IdempotentResponse } {
    const text = canonicalJson(body);
    return {
      sql: this.claimingInsert(params, status, text, gate),
      recorded: (lsn) => ({ status, body: text, replayed: false, ...(lsn ? { consistencyToken: lsn } : {}) }),
    };
  }

  /** Records a 4xx on its own (the work wrote nothing); undefined if the key is another request's. */
  async recordRefusal(dataSource: DataSource, status: number, body: unknown): Promise<IdempotentResponse | undefined> {
    const params: unknown[] = [];
    const text = canonicalJson(body);
    const [row] = await queryPrepared<{ n: number }>(
      dataSource,
      `WITH done AS (${this.claimingInsert(params, status, text)}) SELECT count(*)::int AS n FROM done`,
      params,
    );
    return row?.n === 1 ? { status, body: text, replayed: false } : undefined;
  }

  /** One row if the key was free, expired or abandoned by the same request; none if another request has it. */
  private claimingInsert(params: unknown[], status: number, body: string, gate?: string): string {
    const $ = (value: unknown, type: string) => statementParameter(params, value, type);
    const scope = $(this.scope, 'text');
    const key = $(this.key, 'text');
    const hash = $(this.requestHash, 'text');
    const ttl = $(this.settings.ttlHours, 'int');
    const from = gate ? ` FROM ${gate}` : '';
    // The table is partitioned by day, so no unique index spans a key's lifetime: the function
    // takes the key's lock and decides with a fresh snapshot (docs/decisions/0037-time-partitioned-tables.md).
    return `INSERT INTO ${this.schema}.idempotency_keys
         (scope, key, request_hash, state, response_status, response_body, created_at, expires_at)
       SELECT ${scope}, ${key}, ${hash}, 'completed', ${$(status, 'smallint')}, ${$(body, 'jsonb')},
              date_trunc('milliseconds', now()), now() + make_interval(hours => ${ttl})${from}
        WHERE ${this.schema}.idempotency_key_free(${scope}, ${key}, ${hash}, ${$(this.settings.abandonedAfterSeconds, 'int')}, ${ttl})
       RETURNING 1`;
  }
}

/**
 * `Idempotency-Key` for writes whose only effect is in the module's database; the rules (replay,
 * 422 reused, 409 in use, TTL) are in docs/decisions/0020-idempotency-keys.md. The work runs before
 * the key is looked at, so an effect outside the database would need the key claimed first.
 */
export class IdempotencyKeys {
  private readonly logger = new Logger('IdempotencyKeys');
  private readonly settings: Required<IdempotencyKeysOptions>;
  private readonly schema: string;

  constructor(
    private readonly dataSource: DataSource,
    options: IdempotencyKeysOptions,
  ) {
    this.settings = { abandonedAfterSeconds: 60, ...options };
    this.schema = (dataSource.options as { readonly schema?: string }).schema ?? 'public';
  }

  /** Lets `work` take effect at most once per key; `toProblem` maps domain errors (the rest are 5xx). */
  async execute(
    request: IdempotentRequest,
    work: (claim: IdempotencyClaim) => Promise<IdempotentOutcome>,
    toProblem: (error: unknown) => ProblemException | undefined = () => undefined,
  ): Promise<IdempotentResponse> {
    const key = parseIdempotencyKey(request.key);
    const hash = requestHash(request);
    const claim = new IdempotencyClaim(request.scope, key, hash, this.settings, this.schema);
    // The key is another request's: answer as it says (absent: that request has not committed yet).
    const taken = async () => (await this.existingAnswer(request.scope, key, hash)) ?? Promise.reject(keyInUse());
    let outcome: IdempotentOutcome;
    try {
      outcome = await work(claim);
    } catch (error) {
      const problem = error instanceof ProblemException ? error : toProblem(error);
      const status = problem?.getStatus() ?? HttpStatus.INTERNAL_SERVER_ERROR;
      if (!problem) throw error;
      if (status >= 500 || status < 400 || RETRYABLE_STATUSES.has(status)) {
        // Refused for now (a full backlog, say), perhaps only the retry of a request already done:
        // that one is answered as the first time, as a replay always is.
        const replay = await this.recordedAnswer(request.scope, key, hash);
        if (replay) return replay;
        throw problem;
      }
      let recorded: IdempotentResponse | undefined;
      try {
        recorded = await claim.recordRefusal(this.dataSource, status, problemBody(problem, request));
      } catch (recordError) {
        this.logger.warn(`could not record a refusal for idempotency key ${key}: ${String(recordError)}`);
        throw problem;
      }
      return recorded ?? taken();
    }
    return outcome.kind === 'recorded' ? outcome.response : taken();
  }

  /** The response recorded for this very request, if any; a key reused, in use or out of reach counts as none. */
  private async recordedAnswer(scope: string, key: string, hash: string): Promise<IdempotentResponse | undefined> {
    try {
      return await this.existingAnswer(scope, key, hash);
    } catch {
      return undefined;
    }
  }

  /** Another request's key: its response (replay), 422 if reused, 409 while it runs; undefined if none. */
  private async existingAnswer(scope: string, key: string, hash: string): Promise<IdempotentResponse | undefined> {
    const [existing] = await queryPrepared<{
      request_hash: string;
      state: string;
      response_status: number | null;
      response_body: unknown;
    }>(
      this.dataSource,
      `SELECT request_hash, state, response_status, response_body FROM ${this.schema}.idempotency_keys
        WHERE scope = $1 AND key = $2 AND expires_at > now() AND created_at > now() - make_interval(hours => $3)
        ORDER BY created_at DESC LIMIT 1`,
      [scope, key, this.settings.ttlHours],
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
