import type { StoredEvent } from '@immune/contracts';

/**
 * PostgreSQL types the read models use (docs/read-models.md: column types). `json` (the text, validated, stored as
 * written) is for documents that are only ever read back whole, never queried inside: PostgreSQL skips building
 * jsonb's binary form, which is most of what it spends COPYing the archive.
 */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'boolean' | 'json' | 'jsonb' | 'timestamptz' | 'double precision';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/** A value for one column: json and jsonb columns take any JSON value, timestamptz an ISO-8601 string. */
export type ColumnValue = string | number | boolean | null | object;

/**
 * For a json or jsonb column: a value given as its JSON text, written as is instead of encoded again (the archive's
 * `data`, as the message holds it). The text must be one valid JSON value.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A projection is another `evolve` over a row: pure, no I/O, no clock. The platform (libs/platform/projections)
 * loads the rows an event touches, calls `evolve`, and writes the result — live in batches, or all at once
 * by COPY during a rebuild — so both paths give the same rows.
 *
 * - `row` projections keep one row per key and evolve it (agents, quarantines, report);
 * - `append` projections add one row per event and never change it (the `events` archive).
 */
export interface ProjectionDefinition<S = unknown> {
  /** Checkpoint name in `projection_checkpoints`, and the `--name` of `projections rebuild`. */
  readonly name: string;
  readonly table: string;
  readonly kind: 'row' | 'append';
  /** Every column in write order; the first one is the key. */
  readonly columns: readonly ColumnSpec[];
  /** The event types `evolve` handles ('all' for the archive). Other events change nothing, except as documented. */
  readonly eventTypes: readonly string[] | 'all';
  /** The key of the row an event touches, or null when the event is none of this projection's business. */
  keyOf(event: StoredEvent): string | null;
  /**
   * The row after the event. Returns `state` itself when nothing changed, null when there is (still) no row.
   * Must not mutate `state` and must not throw for event types it does not know.
   */
  evolve(state: S | null, event: StoredEvent): S | null;
  /** The row's column values, in `columns` order. */
  toColumns(state: S): ColumnValue[];
  /** The state back from a row as node-postgres returns it (jsonb parsed, bigint as string, timestamptz as Date). */
  fromColumns(row: Readonly<Record<string, unknown>>): S;
}

/** Node-postgres returns bigint as a string; sequences fit a JS number. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'bigint') return Number(v);
  return 0;
}

/** Folds events into a projection's rows in memory (what a rebuild does before it COPYs them). */
export function foldProjection<S>(projection: ProjectionDefinition<S>, events: Iterable<StoredEvent>, rows: Map<string, S> = new Map()): Map<string, S> {
  for (const e of events) {
    const key = projection.keyOf(e);
    if (key === null) continue;
    const prev = rows.get(key) ?? null;
    const next = projection.evolve(prev, e);
    if (next !== null && next !== prev) rows.set(key, next);
  }
  return rows;
}
