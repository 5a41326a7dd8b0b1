import type { PoolClient } from 'pg';
import type { StoredEvent } from '@immune/contracts';
import type { ColumnValue, ProjectionDefinition } from '@immune/read-models';
import { jsonTextOf, qualifiedTable, quoteIdent } from './sql-values';

/** Called when a projection's evolve throws: the event is skipped for that projection, on both paths alike. */
export type EvolveErrorHandler = (projection: string, event: StoredEvent, error: unknown) => void;

/**
 * Evolve that cannot stop the projector: an evolve that throws (it should not) leaves the row as it was and is
 * reported. The rebuild uses the same wrapper, so both paths still agree.
 */
export function safeEvolve<S>(p: ProjectionDefinition<S>, state: S | null, event: StoredEvent, onError?: EvolveErrorHandler): S | null {
  try {
    return p.evolve(state, event);
  } catch (e) {
    onError?.(p.name, event, e);
    return state;
  }
}

/** Rows per INSERT statement. */
const CHUNK_ROWS = 2000;

/**
 * Multi-row INSERT with the rows as one JSON parameter (`INSERT … SELECT … FROM json_to_recordset($1)`):
 * PostgreSQL parses one short statement and one JSON document whatever the number of rows — json and jsonb columns
 * arrive as JSON values, not as strings escaped inside an array literal and parsed twice. `json_to_recordset`, not
 * the jsonb one: it hands a json column the exact text of its value, as JSON.stringify wrote it — the text the
 * rebuild's COPY stores (the jsonb variant would hand it jsonb's re-rendering, keys sorted, spaces added). `row`
 * projections upsert on their key, `append` ones skip rows that exist (re-applied events, or an event id stored
 * twice: the first one stays). json and jsonb values are JSON null rather than SQL NULL, as in the rebuild's COPY.
 */
export async function insertRows(client: PoolClient, schema: string, table: string, p: ProjectionDefinition, rows: ColumnValue[][]): Promise<void> {
  if (rows.length === 0) return;
  const cols = p.columns;
  const names = cols.map((c) => quoteIdent(c.name)).join(', ');
  const key = quoteIdent(cols[0]!.name);
  const conflict =
    p.kind === 'append'
      ? 'ON CONFLICT DO NOTHING'
      : `ON CONFLICT (${key}) DO UPDATE SET ${cols
          .slice(1)
          .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`)
          .join(', ')}`;
  // Positional keys keep the JSON small; json_to_recordset matches them by name.
  const record = cols.map((c, i) => `c${i} ${c.type}`).join(', ');
  const select = cols.map((c, i) => (c.type === 'jsonb' || c.type === 'json' ? `coalesce(r.c${i}, 'null'::${c.type})` : `r.c${i}`)).join(', ');
  const sql = `INSERT INTO ${qualifiedTable(schema, table)} (${names}) SELECT ${select} FROM json_to_recordset($1::json) AS r(${record}) ${conflict}`;
  // The document is written value by value so a JsonText goes in as its text (the text the rebuild's COPY stores).
  const keys = cols.map((_, k) => `"c${k}":`);
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const objects = rows.slice(i, i + CHUNK_ROWS).map((row) => `{${keys.map((key, k) => key + jsonTextOf(row[k])).join(',')}}`);
    await client.query(sql, [`[${objects.join(',')}]`]);
  }
}

/**
 * Applies events (all newer than the projection's checkpoint, in stream order) to one projection's table:
 * loads the rows they touch (one query), evolves them in memory, writes the changed ones. Returns how many rows
 * it wrote. `table` may be a shadow table (a rebuild catching up).
 */
export async function applyToTable(
  client: PoolClient,
  schema: string,
  table: string,
  p: ProjectionDefinition,
  events: readonly StoredEvent[],
  onError?: EvolveErrorHandler,
): Promise<number> {
  const keyed: { key: string; event: StoredEvent }[] = [];
  for (const event of events) {
    const key = p.keyOf(event);
    if (key !== null) keyed.push({ key, event });
  }
  if (keyed.length === 0) return 0;

  if (p.kind === 'append') {
    const rows: ColumnValue[][] = [];
    for (const { event } of keyed) {
      const state = safeEvolve(p, null, event, onError);
      if (state !== null) rows.push(p.toColumns(state));
    }
    await insertRows(client, schema, table, p, rows);
    return rows.length;
  }

  const keyColumn = p.columns[0]!;
  const keys = [...new Set(keyed.map((k) => k.key))];
  const found = await client.query<Record<string, unknown>>(
    `SELECT * FROM ${qualifiedTable(schema, table)} WHERE ${quoteIdent(keyColumn.name)} = ANY($1::${keyColumn.type}[])`,
    [keys],
  );
  const states = new Map<string, unknown>();
  for (const row of found.rows) states.set(String(row[keyColumn.name]), p.fromColumns(row));
  const changed = new Set<string>();
  for (const { key, event } of keyed) {
    const prev = states.get(key) ?? null;
    const next = safeEvolve(p, prev, event, onError);
    if (next !== null && next !== prev) {
      states.set(key, next);
      changed.add(key);
    }
  }
  await insertRows(client, schema, table, p, [...changed].map((k) => p.toColumns(states.get(k))));
  return changed.size;
}
