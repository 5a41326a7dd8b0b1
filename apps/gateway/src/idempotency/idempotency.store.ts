import { ImmuneError } from '@immune/contracts';
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

/**
 * `Idempotency-Key` per actor, kept 24 h in `idempotency_keys` (framework-free). `begin` claims the key or
 * answers the stored outcome; `complete` stores the answer; `abandon` frees the key when the first attempt
 * ended in a way worth retrying (5xx). The same key with another request is 422, a concurrent duplicate 409.
 */
export class IdempotencyStore {
  private readonly table: string;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
    private readonly clock: () => number = () => Date.now(),
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
    private readonly staleMs = IN_FLIGHT_STALE_MS,
  ) {
    this.table = tableIn(schema, 'idempotency_keys');
  }

  async begin(req: IdempotencyRequest): Promise<BeginOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock();
      const inserted = await this.sql.query(
        `INSERT INTO ${this.table} (actor, key, method, path, request_hash, status, body, headers, created_at)
         VALUES ($1, $2, $3, $4, $5, ${IN_FLIGHT}, 'null'::jsonb, '{}'::jsonb, $6)
         ON CONFLICT (actor, key) DO NOTHING RETURNING key`,
        [req.actor, req.key, req.method, req.path, req.requestHash, new Date(now)],
      );
      if (inserted.length > 0) return { kind: 'started' };

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

  async complete(actor: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.sql.query(`UPDATE ${this.table} SET status = $3, body = $4::jsonb, headers = $5::jsonb WHERE actor = $1 AND key = $2`, [
      actor,
      key,
      answer.status,
      JSON.stringify(answer.body ?? null),
      JSON.stringify(answer.headers),
    ]);
  }

  async abandon(actor: string, key: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE actor = $1 AND key = $2 AND status = ${IN_FLIGHT}`, [actor, key]);
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
