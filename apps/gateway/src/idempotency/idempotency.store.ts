import { ImmuneError } from '@immune/contracts';
import { Coalescer } from '../common/coalescer';
import { tableIn, toNumber, type SqlRunner } from '../common/sql';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still marked in flight after this long died with its process: a retry may take it over. */
export const IN_FLIGHT_STALE_MS = 60_000;
/** Status stored while the first request is being answered. */
const IN_FLIGHT = 0;

export interface StoredAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type BeginOutcome = { kind: 'started' } | ({ kind: 'replay' } & StoredAnswer);

export interface IdempotencyRequest {
  actor: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

interface Row {
  request_hash: string;
  status: number | string;
  body: unknown;
  headers: Record<string, string> | null;
  created_at: Date | string;
}

interface Claim {
  req: IdempotencyRequest;
  at: Date;
}

interface Completion {
  actor: string;
  key: string;
  answer: StoredAnswer;
}

/**
 * `Idempotency-Key` per actor, kept 24 h in `idempotency_keys` (framework-free). `begin` claims the key or
 * answers the stored outcome; `complete` stores the answer; `abandon` frees the key when the first attempt
 * ended in a way worth retrying (5xx). The same key with another request is 422, a concurrent duplicate 409.
 * Claims and completions made in the same event-loop turn by concurrent requests share one statement each.
 */
export class IdempotencyStore {
  private readonly table: string;
  private readonly claims: Coalescer<Claim, boolean>;
  private readonly completions: Coalescer<Completion, void>;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
    private readonly clock: () => number = () => Date.now(),
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
    private readonly staleMs = IN_FLIGHT_STALE_MS,
  ) {
    this.table = tableIn(schema, 'idempotency_keys');
    this.claims = new Coalescer((claims) => this.claimMany(claims));
    this.completions = new Coalescer((completions) => this.completeMany(completions));
  }

  async begin(req: IdempotencyRequest): Promise<BeginOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock();
      if (await this.claims.run({ req, at: new Date(now) })) return { kind: 'started' };

      const rows = await this.sql.query<Row>(
        `SELECT request_hash, status, body, headers, created_at FROM ${this.table} WHERE actor = $1 AND key = $2`,
        [req.actor, req.key],
      );
      const row = rows[0];
      if (!row) continue; // deleted between the two statements: claim it again
      const createdAt = new Date(row.created_at);
      const age = now - createdAt.getTime();
      if (age >= this.ttlMs) {
        // Expired: forget it (only if nobody else replaced it meanwhile) and claim it afresh.
        await this.sql.query(`DELETE FROM ${this.table} WHERE actor = $1 AND key = $2 AND created_at = $3`, [req.actor, req.key, createdAt]);
        continue;
      }
      if (row.request_hash !== req.requestHash) {
        throw new ImmuneError(
          'REQUEST.IDEMPOTENCY_KEY_REUSED',
          'Idempotency key reused',
          'This Idempotency-Key was used for a different request in the last 24 hours; use a new key.',
        );
      }
      const status = toNumber(row.status);
      if (status === IN_FLIGHT) {
        if (age >= this.staleMs) {
          const taken = await this.sql.query(
            `UPDATE ${this.table} SET created_at = $4 WHERE actor = $1 AND key = $2 AND created_at = $3 AND status = ${IN_FLIGHT} RETURNING key`,
            [req.actor, req.key, createdAt, new Date(now)],
          );
          if (taken.length > 0) return { kind: 'started' };
          continue;
        }
        throw new ImmuneError(
          'CONCURRENCY.CONFLICT',
          'Request in progress',
          'A request with this Idempotency-Key is still being processed; retry when it has finished.',
        );
      }
      return { kind: 'replay', status, body: row.body, headers: row.headers ?? {} };
    }
    throw new ImmuneError('CONCURRENCY.CONFLICT', 'Request in progress', 'This Idempotency-Key is contended; retry shortly.');
  }

  complete(actor: string, key: string, answer: StoredAnswer): Promise<void> {
    return this.completions.run({ actor, key, answer });
  }

  async abandon(actor: string, key: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE actor = $1 AND key = $2 AND status = ${IN_FLIGHT}`, [actor, key]);
  }

  /**
   * Inserts the in-flight rows of many claims in one statement; true for each claim that got its key. Two claims
   * of one key in the same statement: the first gets it, the other finds it taken (and answers 409 like any
   * concurrent duplicate).
   */
  private async claimMany(claims: Claim[]): Promise<boolean[]> {
    const rows = await this.sql.query<{ actor: string; key: string }>(
      `INSERT INTO ${this.table} (actor, key, method, path, request_hash, status, body, headers, created_at)
       SELECT a, k, m, p, h, ${IN_FLIGHT}, 'null'::jsonb, '{}'::jsonb, c
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS u(a, k, m, p, h, c)
       ON CONFLICT (actor, key) DO NOTHING RETURNING actor, key`,
      [
        claims.map((c) => c.req.actor),
        claims.map((c) => c.req.key),
        claims.map((c) => c.req.method),
        claims.map((c) => c.req.path),
        claims.map((c) => c.req.requestHash),
        claims.map((c) => c.at),
      ],
    );
    const won = new Set(rows.map((r) => JSON.stringify([r.actor, r.key])));
    return claims.map((c) => won.delete(JSON.stringify([c.req.actor, c.req.key])));
  }

  /** Stores many answers in one statement. */
  private async completeMany(completions: Completion[]): Promise<void[]> {
    await this.sql.query(
      `UPDATE ${this.table} AS t SET status = u.s, body = u.b::jsonb, headers = u.h::jsonb
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS u(a, k, s, b, h)
       WHERE t.actor = u.a AND t.key = u.k`,
      [
        completions.map((c) => c.actor),
        completions.map((c) => c.key),
        completions.map((c) => c.answer.status),
        completions.map((c) => JSON.stringify(c.answer.body ?? null)),
        completions.map((c) => JSON.stringify(c.answer.headers)),
      ],
    );
    return completions.map(() => undefined);
  }

  /** Deletes keys older than the TTL; returns how many. */
  async purgeExpired(): Promise<number> {
    const rows = await this.sql.query(`DELETE FROM ${this.table} WHERE created_at < $1 RETURNING key`, [new Date(this.clock() - this.ttlMs)]);
    return rows.length;
  }
}

/** `Idempotency-Key`: 1-255 visible ASCII characters. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!/^[\x21-\x7e]{1,255}$/.test(raw)) {
    throw new ImmuneError('VALIDATION.FAILED', 'Validation failed', 'Idempotency-Key must be 1-255 visible ASCII characters.', {
      errors: [{ field: 'Idempotency-Key', messages: ['must be 1-255 visible ASCII characters'] }],
    });
  }
  return raw;
}
