import type { Vital, VitalsRollupItem } from '@immune/contracts';
import { quoteIdent } from '@immune/platform-postgres';

export const ROLLUP_MINUTE_MS = 60_000;

/** One agent's vitals of one minute, summed (the row of `vitals_rollups`). */
export interface VitalsRollupRow {
  agentId: string;
  /** Start of the minute (epoch ms) of the vitals' own `ts`. */
  minuteMs: number;
  count: number;
  failures: number;
  retries: number;
  latencySumMs: number;
  latencyMaxMs: number;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  costUsd: number;
  toolCalls: number;
  lastVitalMs: number;
}

/** Plain SQL over a pool (node-postgres semantics: `$n` parameters, rows answered). */
export interface RollupSql {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * Sums vitals per agent and minute in memory between two flushes: `add` is a map lookup and a few additions
 * per vital (the telemetry hot path), `drain` hands the rows over for one batched upsert.
 */
export class VitalsRollupAccumulator {
  private rows = new Map<string, VitalsRollupRow>();

  get size(): number {
    return this.rows.size;
  }

  add(v: Vital): void {
    const minuteMs = v.ts - (((v.ts % ROLLUP_MINUTE_MS) + ROLLUP_MINUTE_MS) % ROLLUP_MINUTE_MS);
    const key = `${v.agentId}\u0000${minuteMs}`;
    let r = this.rows.get(key);
    if (r === undefined) {
      r = {
        agentId: v.agentId, minuteMs, count: 0, failures: 0, retries: 0, latencySumMs: 0, latencyMaxMs: 0,
        inputTokens: 0, outputTokens: 0, tokens: 0, costUsd: 0, toolCalls: 0, lastVitalMs: v.ts,
      };
      this.rows.set(key, r);
    }
    r.count++;
    if (!v.success) r.failures++;
    r.retries += v.retries;
    r.latencySumMs += v.latencyMs;
    if (v.latencyMs > r.latencyMaxMs) r.latencyMaxMs = v.latencyMs;
    r.inputTokens += v.inputTokens;
    r.outputTokens += v.outputTokens;
    r.tokens += v.tokens;
    r.costUsd += v.costUsd;
    r.toolCalls += v.toolCalls;
    if (v.ts > r.lastVitalMs) r.lastVitalMs = v.ts;
  }

  /** The rows summed since the last drain (the accumulator starts empty again). */
  drain(): VitalsRollupRow[] {
    const out = [...this.rows.values()];
    this.rows = new Map();
    return out;
  }

  /** Puts rows back (a failed flush), merged with whatever arrived meanwhile. */
  restore(rows: readonly VitalsRollupRow[]): void {
    for (const x of rows) {
      const key = `${x.agentId}\u0000${x.minuteMs}`;
      const r = this.rows.get(key);
      if (r === undefined) {
        this.rows.set(key, { ...x });
        continue;
      }
      mergeInto(r, x);
    }
  }
}

function mergeInto(r: VitalsRollupRow, x: VitalsRollupRow): void {
  r.count += x.count;
  r.failures += x.failures;
  r.retries += x.retries;
  r.latencySumMs += x.latencySumMs;
  r.latencyMaxMs = Math.max(r.latencyMaxMs, x.latencyMaxMs);
  r.inputTokens += x.inputTokens;
  r.outputTokens += x.outputTokens;
  r.tokens += x.tokens;
  r.costUsd += x.costUsd;
  r.toolCalls += x.toolCalls;
  r.lastVitalMs = Math.max(r.lastVitalMs, x.lastVitalMs);
}

const rollupTable = (schema: string) => `${quoteIdent(schema)}.${quoteIdent('vitals_rollups')}`;

/**
 * Adds `rows` to `vitals_rollups` in ONE statement (arrays unnested server-side; an existing agent-minute is
 * summed into). Rows are sorted by key first so two concurrent writers lock in the same order.
 */
export async function upsertVitalsRollups(sql: RollupSql, schema: string, rows: readonly VitalsRollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : a.minuteMs - b.minuteMs));
  const col = <T>(f: (r: VitalsRollupRow) => T): T[] => sorted.map(f);
  const t = rollupTable(schema);
  await sql.query(
    `INSERT INTO ${t} AS r (agent_id, minute, count, failures, retries, latency_sum_ms, latency_max_ms, input_tokens, output_tokens, tokens, cost_usd, tool_calls, last_vital_at)
     SELECT a, to_timestamp(m / 1000.0), c, f, rt, ls, lm, it, ot, tk, cu, tc, to_timestamp(lv / 1000.0)
     FROM unnest($1::text[], $2::float8[], $3::int[], $4::int[], $5::int8[], $6::float8[], $7::float8[], $8::int8[], $9::int8[], $10::int8[], $11::float8[], $12::int8[], $13::float8[])
       AS x(a, m, c, f, rt, ls, lm, it, ot, tk, cu, tc, lv)
     ON CONFLICT (agent_id, minute) DO UPDATE SET
       count = r.count + EXCLUDED.count,
       failures = r.failures + EXCLUDED.failures,
       retries = r.retries + EXCLUDED.retries,
       latency_sum_ms = r.latency_sum_ms + EXCLUDED.latency_sum_ms,
       latency_max_ms = GREATEST(r.latency_max_ms, EXCLUDED.latency_max_ms),
       input_tokens = r.input_tokens + EXCLUDED.input_tokens,
       output_tokens = r.output_tokens + EXCLUDED.output_tokens,
       tokens = r.tokens + EXCLUDED.tokens,
       cost_usd = r.cost_usd + EXCLUDED.cost_usd,
       tool_calls = r.tool_calls + EXCLUDED.tool_calls,
       last_vital_at = GREATEST(r.last_vital_at, EXCLUDED.last_vital_at)`,
    [
      col((r) => r.agentId), col((r) => r.minuteMs), col((r) => r.count), col((r) => r.failures), col((r) => r.retries),
      col((r) => r.latencySumMs), col((r) => r.latencyMaxMs), col((r) => r.inputTokens), col((r) => r.outputTokens),
      col((r) => r.tokens), col((r) => r.costUsd), col((r) => r.toolCalls), col((r) => r.lastVitalMs),
    ],
  );
}

/** A rollup as the API shows it (`GET /agents/{id}/vitals`). */
export type VitalsRollupView = VitalsRollupItem;

interface RollupDbRow {
  minute: Date;
  count: number;
  failures: number;
  retries: string;
  latency_sum_ms: number;
  latency_max_ms: number;
  input_tokens: string;
  output_tokens: string;
  tokens: string;
  cost_usd: number;
  tool_calls: string;
  last_vital_at: Date;
}

/** One agent's rollups with `from ≤ minute < to`, oldest first, at most `limit`. */
export async function readVitalsRollups(sql: RollupSql, schema: string, agentId: string, fromMs: number, toMs: number, limit: number): Promise<VitalsRollupView[]> {
  const rows = await sql.query<RollupDbRow>(
    `SELECT minute, count, failures, retries, latency_sum_ms, latency_max_ms, input_tokens, output_tokens, tokens, cost_usd, tool_calls, last_vital_at
     FROM ${rollupTable(schema)} WHERE agent_id = $1 AND minute >= to_timestamp($2 / 1000.0) AND minute < to_timestamp($3 / 1000.0)
     ORDER BY minute ASC LIMIT $4`,
    [agentId, fromMs, toMs, limit],
  );
  return rows.map((r) => ({
    minute: new Date(r.minute).toISOString(),
    count: r.count,
    failures: r.failures,
    retries: Number(r.retries),
    latencyMeanMs: r.count > 0 ? r.latency_sum_ms / r.count : 0,
    latencyMaxMs: r.latency_max_ms,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    tokens: Number(r.tokens),
    costUsd: r.cost_usd,
    toolCalls: Number(r.tool_calls),
    lastVitalAt: new Date(r.last_vital_at).toISOString(),
  }));
}

/** When the agent's newest vital was stated to happen (its `ts`), per the rollups; null when none. */
export async function readLastVitalAt(sql: RollupSql, schema: string, agentId: string): Promise<string | null> {
  const rows = await sql.query<{ last_vital_at: Date }>(
    `SELECT last_vital_at FROM ${rollupTable(schema)} WHERE agent_id = $1 ORDER BY minute DESC LIMIT 1`,
    [agentId],
  );
  const at = rows[0]?.last_vital_at;
  return at ? new Date(at).toISOString() : null;
}

/** Deletes the rollups older than `beforeMs` (retention); answers how many. */
export async function pruneVitalsRollups(sql: RollupSql, schema: string, beforeMs: number): Promise<number> {
  const rows = await sql.query<{ n: string }>(
    `WITH d AS (DELETE FROM ${rollupTable(schema)} WHERE minute < to_timestamp($1 / 1000.0) RETURNING 1) SELECT count(*) AS n FROM d`,
    [beforeMs],
  );
  return Number(rows[0]?.n ?? 0);
}
