import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@immune/contracts';
import { READ_MODEL_PROJECTIONS, type ProjectionDefinition } from '@immune/read-models';
import { advanceCheckpoints, lockProjections, readCheckpoints } from './projection-runner';
import { applyToTable, safeEvolve, type EvolveErrorHandler } from './projection-writer';
import { ARCHIVE_ROW_COLUMNS } from './archive-row';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from './copy-binary';
import type { ReplayedEvent } from './event-stream.reader';
import { binaryEncodable, binaryRowEncoder, copyLineEncoder, qualifiedTable, quoteIdent } from './sql-values';

export const SHADOW_SUFFIX = '__rebuild';

export interface RebuildOptions {
  dataSource: DataSource;
  schema: string;
  /** The log from sequence 1, in stream order: events one by one, or in batches (readEventBatches). */
  source: AsyncIterable<StoredEvent | Iterable<StoredEvent>> | Iterable<StoredEvent>;
  /** Only these projections (default: all). */
  names?: readonly string[];
  projections?: readonly ProjectionDefinition[];
  /** The stream sequence the source covers (its last message may be a skipped poison one); checkpoints end here. */
  lastSeq?: number;
  /** Events expected, for progress (default lastSeq). */
  total?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Events after `fromSeq - 1` up to `toSeq`, read while the swap holds the projections lock. Needed only when a
   * live projector kept applying during the rebuild (it did not pause): the shadow tables catch up before the
   * swap. Without it such a rebuild fails instead of going back in time.
   */
  catchUp?: (fromSeq: number, toSeq: number) => AsyncIterable<StoredEvent> | Iterable<StoredEvent>;
  onEvolveError?: EvolveErrorHandler;
}

export interface RebuildTimings {
  /** Waiting for the source's next events: reading the stream (and decoding, for a source that decodes up front). */
  readSeconds: number;
  /**
   * Applying the events on this thread, event by event: decoding (readEventBatches decodes as events are
   * taken), evolving the row projections in memory, encoding the archive's COPY rows.
   */
  processSeconds: number;
  /** Waiting for the archive's COPY connections while reading (PostgreSQL behind). */
  copyWaitSeconds: number;
  /** COPYing after the read: the row tables (encoded here, then), the archive's last rows. */
  copyAfterReadSeconds: number;
  /** Building the indexes on the shadow tables, after the last COPY ended (they partly overlap the COPYs). */
  indexSeconds: number;
  /** Sum of the time of every index build (on several connections at once). */
  indexBuildSeconds: number;
  /** The swap transaction (and any catch-up). */
  swapSeconds: number;
}

export interface RebuildStats {
  projections: string[];
  events: number;
  lastSeq: number;
  rows: Record<string, number>;
  /** Events applied to the shadow tables at the swap because a live projector had moved on. */
  caughtUp: number;
  /** Archive rows written by the reader thread from the message bytes (the rest were encoded here). */
  readerArchiveRows: number;
  /** The tables COPYed in binary format (the others, in text format: a value without a binary form here). */
  binaryTables: string[];
  seconds: number;
  eventsPerSecond: number;
  timings: RebuildTimings;
}

export function selectProjections(all: readonly ProjectionDefinition[], names?: readonly string[]): ProjectionDefinition[] {
  if (!names || names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((p) => p.name === n));
  if (unknown.length > 0) throw new Error(`unknown projection ${unknown.join(', ')}: choose from ${all.map((p) => p.name).join(', ')}`);
  return all.filter((p) => names.includes(p.name));
}

/**
 * COPY … FROM STDIN into one table over one or more connections, fed row by row: rows are written straight into
 * 256 KiB Buffers (one UTF-8 encoding per row, no joining of line strings) and each full Buffer — whole rows only —
 * goes to the next connection, waiting only when that one is full. Several connections let PostgreSQL parse a big
 * table's rows on several cores. Text format (rows as strings) or binary format (rows as Buffers, copy-binary.ts:
 * each connection's stream gets the header first and the trailer last).
 */
const CHUNK_BYTES = 256 * 1024;
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

class CopyWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private next = 0;
  private failure: unknown = null;
  private ended = false;
  rows = 0;

  private constructor(
    private readonly streams: ReturnType<typeof copyFrom>[],
    private readonly binary: boolean,
  ) {
    for (const stream of streams) {
      stream.on('error', (e: unknown) => {
        this.failure ??= e;
      });
      if (binary) stream.write(COPY_BINARY_HEADER);
    }
  }

  static open(clients: PoolClient[], schema: string, table: string, p: ProjectionDefinition, format: 'text' | 'binary' = 'text'): CopyWriter {
    const columns = p.columns.map((c) => quoteIdent(c.name)).join(', ');
    const options = format === 'binary' ? ' WITH (FORMAT binary)' : '';
    return new CopyWriter(
      clients.map((client) => client.query(copyFrom(`COPY ${qualifiedTable(schema, table)} (${columns}) FROM STDIN${options}`))),
      format === 'binary',
    );
  }

  /**
   * Adds one row (COPY text, newline included). Returns a promise only when the caller has to wait for a
   * connection, so the common case costs no promise per row.
   */
  push(line: string): Promise<void> | undefined {
    this.rows++;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: with that much room the row fits.
    if (this.pos + line.length * 3 > CHUNK_BYTES) return this.pushAfterFlush(line);
    this.pos += this.buf.write(line, this.pos);
    return undefined;
  }

  /**
   * Adds `count` rows already encoded (COPY text or binary tuples, back to back). Returns a promise only when the
   * caller has to wait for a connection. `borrowed`: the bytes are the caller's to reuse once this returns (or its
   * promise settles), so they are copied, never queued as they are.
   */
  pushRows(rows: Buffer, count: number, borrowed = false): Promise<void> | undefined {
    this.rows += count;
    if (this.pos + rows.length <= CHUNK_BYTES) {
      rows.copy(this.buf, this.pos);
      this.pos += rows.length;
      return undefined;
    }
    return this.flush().then(() => {
      if (rows.length > CHUNK_BYTES) return this.send(borrowed ? Buffer.from(rows) : rows);
      rows.copy(this.buf, this.pos);
      this.pos += rows.length;
      return undefined;
    });
  }

  private async pushAfterFlush(line: string): Promise<void> {
    await this.flush();
    if (line.length * 3 > CHUNK_BYTES) await this.send(Buffer.from(line));
    else this.pos += this.buf.write(line, this.pos);
  }

  private async flush(): Promise<void> {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    await this.send(chunk);
  }

  private async send(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const stream = this.streams[this.next++ % this.streams.length]!;
    stream.write(chunk);
    // Let a few MiB queue per connection before waiting: the reader keeps reading and evolving while PostgreSQL
    // works through what it has, instead of the two taking turns.
    if (stream.writableLength > MAX_QUEUED_BYTES) await once(stream, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    this.ended = true;
    await Promise.all(
      this.streams.map((stream) => {
        stream.end(this.binary ? COPY_BINARY_TRAILER : undefined);
        return finished(stream);
      }),
    );
    if (this.failure) throw this.failure;
  }

  /** Sends CopyFail on COPYs still open (their rows are rolled back) and waits until the connections are free. */
  async abort(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const stream of this.streams) stream.destroy();
    await Promise.all(this.streams.map((stream) => finished(stream).catch(() => undefined)));
  }
}

interface IndexDef {
  name: string;
  tempName: string;
  /** The CREATE INDEX statement for the shadow table. */
  create: string;
  constraint: 'p' | 'u' | null;
  /** A unique index on plain columns (no expression, no predicate): its columns. */
  uniqueColumns: string[] | null;
}

/** The live table's indexes, re-targeted at its shadow under temporary names (renamed back at the swap). */
async function shadowIndexes(client: PoolClient, schema: string, table: string, shadow: string): Promise<IndexDef[]> {
  const res = await client.query<{ name: string; def: string; contype: string | null; unique_columns: string[] | null }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, c.contype,
            CASE WHEN x.indisunique AND x.indexprs IS NULL AND x.indpred IS NULL THEN
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
            END AS unique_columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid AND c.contype IN ('p', 'u')
      WHERE n.nspname = $1 AND t.relname = $2
      ORDER BY i.relname`,
    [schema, table],
  );
  return res.rows.map((r, i) => {
    const m = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$/s.exec(r.def);
    if (!m) throw new Error(`cannot re-create index ${r.name} of ${table}: ${r.def}`);
    const tempName = `${table}${SHADOW_SUFFIX}_${i}`;
    return {
      name: r.name,
      tempName,
      create: `CREATE ${m[1] ?? ''}INDEX ${quoteIdent(tempName)} ON ${qualifiedTable(schema, shadow)} ${m[2]}`,
      constraint: r.contype === 'p' || r.contype === 'u' ? r.contype : null,
      uniqueColumns: r.unique_columns,
    };
  });
}

async function connect(ds: DataSource): Promise<{ qr: QueryRunner; client: PoolClient }> {
  const qr = ds.createQueryRunner();
  const client = (await qr.connect()) as PoolClient;
  return { qr, client };
}

async function* asAsync<T>(it: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* it;
}

function isBatch(item: StoredEvent | Iterable<StoredEvent>): item is Iterable<StoredEvent> {
  return Symbol.iterator in item;
}

/** The source in batches: as it comes when it batches, else 1000 events at a time from an array or iterable. */
async function* batchesOf(source: RebuildOptions['source']): AsyncGenerator<Iterable<StoredEvent>> {
  if (Symbol.asyncIterator in source) {
    for await (const item of source) yield isBatch(item) ? item : [item];
    return;
  }
  let batch: StoredEvent[] = [];
  for (const event of source) {
    batch.push(event);
    if (batch.length === 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Replays the log into shadow tables beside the live ones and swaps them in, in one transaction.
 *
 * 1. `<table>__rebuild` is created LIKE the live table, without indexes.
 * 2. Events are evolved in memory (a Map per row projection); the archive streams into its COPY as events
 *    arrive, so reading the log and writing the biggest table overlap.
 * 3. The rows are COPYed in (binary format where every value has its binary form, else text; one or two
 *    connections per table), then the live table's indexes are built on the shadow.
 * 4. Under the projections lock (the live projector waits): catch up if the live checkpoints moved past the
 *    replay, drop each live table, rename its shadow and indexes into place, and set the checkpoints. Readers
 *    see the old table or the new one, never a half-built one.
 */
export async function rebuild(opts: RebuildOptions): Promise<RebuildStats> {
  const t0 = performance.now();
  const { dataSource: ds, schema } = opts;
  const selected = selectProjections(opts.projections ?? READ_MODEL_PROJECTIONS, opts.names);
  const rowProjections = selected.filter((p) => p.kind === 'row');
  const appendProjections = selected.filter((p) => p.kind === 'append');
  const shadowOf = (p: ProjectionDefinition) => `${p.table}${SHADOW_SUFFIX}`;
  const timings: RebuildTimings = { readSeconds: 0, processSeconds: 0, copyWaitSeconds: 0, copyAfterReadSeconds: 0, indexSeconds: 0, indexBuildSeconds: 0, swapSeconds: 0 };
  const rows: Record<string, number> = {};
  const binaryTables: string[] = [];
  const total = opts.total ?? opts.lastSeq ?? 0;

  const main = await connect(ds);
  const extra: { qr: QueryRunner; client: PoolClient }[] = [];
  const copies: CopyWriter[] = [];
  let swapped = false;
  try {
    for (const p of selected) {
      await main.client.query(`DROP TABLE IF EXISTS ${qualifiedTable(schema, shadowOf(p))}`);
      await main.client.query(
        `CREATE TABLE ${qualifiedTable(schema, shadowOf(p))} (LIKE ${qualifiedTable(schema, p.table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)`,
      );
    }

    // The live tables' indexes, to build on the shadows once their rows are in.
    const indexes = new Map<ProjectionDefinition, IndexDef[]>();
    for (const p of selected) indexes.set(p, await shadowIndexes(main.client, schema, p.table, shadowOf(p)));

    // Connections: never more than the pool has (waiting for a 5th of 4 would hang); past that they are shared,
    // and a shared connection runs its statements one after the other.
    const connections = [main];
    const poolMax = Math.max(1, (ds.options as { extra?: { max?: number } }).extra?.max ?? 10);
    /** The n-th connection, opened on first use (one at a time, so the count never overshoots). */
    const connection = async (n: number) => {
      const i = n % poolMax;
      while (connections.length <= i) {
        const conn = await connect(ds);
        extra.push(conn);
        connections.push(conn);
      }
      return connections[i]!;
    };

    // The archive streams into COPY while the log is read, on two connections: it is the biggest table by far. In
    // binary format where its column types allow (copy-binary.ts): PostgreSQL reads it with a third less CPU.
    type Appender = { p: ProjectionDefinition; copy: CopyWriter; conns: { client: PoolClient }[]; push: (values: ReturnType<ProjectionDefinition['toColumns']>) => Promise<void> | undefined; readerRows: boolean };
    const appenders: Appender[] = [];
    for (const p of appendProjections) {
      const conns = [await connection(1 + 2 * appenders.length), await connection(2 + 2 * appenders.length)];
      const clients = [...new Set(conns.map((c) => c.client))];
      const binary = binaryRowEncoder(p.columns);
      const copy = CopyWriter.open(clients, schema, shadowOf(p), p, binary ? 'binary' : 'text');
      copies.push(copy);
      if (binary) binaryTables.push(p.name);
      const text = copyLineEncoder(p.columns);
      const push = binary ? (values: Parameters<typeof binary>[0]) => copy.pushRows(binary(values), 1, true) : (values: Parameters<typeof text>[0]) => copy.push(text(values));
      // The archive's rows as the reader thread wrote them, where it did (see archive-row.ts): same columns only.
      const readerRows = binary !== null && p.name === 'events' && p.columns.map((c) => `${c.name} ${c.type}`).join() === ARCHIVE_ROW_COLUMNS.join();
      appenders.push({ p, copy, conns, push, readerRows });
    }
    const states = new Map<ProjectionDefinition, Map<string, unknown>>(rowProjections.map((p) => [p, new Map()]));
    // The same pairs as an array: iterating a Map's entries allocates an entry per step, for every event.
    const evolving = [...states].map(([p, byKey]) => ({ p, byKey }));

    let events = 0;
    let lastSeq = 0;
    let reported = 0;
    let readerArchiveRows = 0;
    /**
     * One batch of the log, event by event: evolve the row projections in memory, COPY the archive's row. (Event
     * by event rather than stage by stage: each event is decoded, used and dropped while it is young.)
     */
    const apply = async (batch: Iterable<StoredEvent>) => {
      let mark = performance.now();
      /** Waits for a full COPY connection, out of the processing time. */
      const wait = async (full: Promise<void>) => {
        const now = performance.now();
        timings.processSeconds += (now - mark) / 1000;
        await full;
        mark = performance.now();
        timings.copyWaitSeconds += (mark - now) / 1000;
      };
      // Consecutive reader-written archive rows of this batch, pushed as one piece: [runStart, runEnd) of runRows.
      let runRows: Buffer | null = null;
      let runStart = 0;
      let runEnd = 0;
      let runCount = 0;
      const flushRun = async (a: (typeof appenders)[number]) => {
        if (runRows === null || runCount === 0) return;
        const full = a.copy.pushRows(runRows.subarray(runStart, runEnd), runCount);
        readerArchiveRows += runCount;
        runRows = null;
        runCount = 0;
        if (full) await wait(full);
      };
      for (const event of batch as Iterable<ReplayedEvent>) {
        if (event.seq <= lastSeq) throw new Error(`the source is not in stream order: seq ${event.seq} after ${lastSeq}`);
        lastSeq = event.seq;
        events++;
        for (const { p, byKey } of evolving) {
          const key = p.keyOf(event);
          if (key === null) continue;
          const prev = byKey.get(key) ?? null;
          const state = safeEvolve(p, prev, event, opts.onEvolveError);
          if (state !== null && state !== prev) byKey.set(key, state);
        }
        for (const a of appenders) {
          if (a.p.keyOf(event) === null) continue;
          // Every event's row goes in, an id stored twice included: the unique index on id finds such an id when it
          // is built, and only then are the later rows removed (dropRepeatedKeys), so no id is held here.
          const rows = event.archiveRows;
          if (a.readerRows && rows !== undefined) {
            const start = event.archiveRowStart!;
            if (runRows === rows && runEnd === start) {
              runEnd = event.archiveRowEnd!;
              runCount++;
            } else {
              await flushRun(a);
              runRows = rows;
              runStart = start;
              runEnd = event.archiveRowEnd!;
              runCount = 1;
            }
            continue;
          }
          if (a.readerRows) await flushRun(a);
          const state = safeEvolve(a.p, null, event, opts.onEvolveError);
          if (state === null) continue;
          const full = a.push(a.p.toColumns(state));
          if (full) await wait(full);
        }
      }
      for (const a of appenders) if (a.readerRows) await flushRun(a);
      timings.processSeconds += (performance.now() - mark) / 1000;
      if (opts.onProgress && events - reported >= 5000) {
        reported = events;
        opts.onProgress(events, Math.max(total, events));
      }
    };

    let mark = performance.now();
    for await (const batch of batchesOf(opts.source)) {
      timings.readSeconds += (performance.now() - mark) / 1000;
      await apply(batch);
      mark = performance.now();
    }
    timings.readSeconds += (performance.now() - mark) / 1000;
    lastSeq = Math.max(lastSeq, opts.lastSeq ?? 0);

    // Then one pipeline per table, all at once on their own connections: finish (or do) its COPY, then build its
    // indexes — one sorted build each instead of maintaining them row by row (measured: maintaining the archive's
    // five indexes during its COPY costs twice the CPU of building them after). While the archive's indexes build,
    // the row tables are still being encoded and COPYed: PostgreSQL parses jsonb and sorts on every core. (No
    // ANALYZE: CREATE INDEX sets the row counts the planner needs first; autovacuum analyzes soon after.)
    const readEnd = performance.now();
    let copiesEnd = readEnd;
    // Biggest row table first: its encoding (here) and COPY are the longest chain after the read.
    const rowTables = [...rowProjections].sort((a, b) => (states.get(b)?.size ?? 0) - (states.get(a)?.size ?? 0));
    // A big row table gets two connections as well.
    const rowConnections: { client: PoolClient }[][] = [];
    let nextConnection = 1 + 2 * appenders.length;
    for (let i = 0; i < rowTables.length; i++) {
      const big = (states.get(rowTables[i]!)?.size ?? 0) > 20_000;
      const first = i === 0 ? await connection(0) : await connection(nextConnection++);
      rowConnections.push(big ? [first, await connection(nextConnection++)] : [first]);
    }
    /**
     * A table's indexes, built on all of its connections at once (CREATE INDEX only takes a SHARE lock). `repair`:
     * what to do, once per index, when a unique index finds a repeated key, before building that index again.
     */
    const buildIndexes = async (p: ProjectionDefinition, clients: PoolClient[], repair?: (client: PoolClient, ix: IndexDef) => Promise<void>) => {
      const queue = [...(indexes.get(p) ?? [])];
      await Promise.all(
        [...new Set(clients)].map(async (client) => {
          // No parallel workers: this already builds several indexes at once, on cores COPY and the reader use.
          await client.query(`SET maintenance_work_mem = '256MB'; SET max_parallel_maintenance_workers = 0`);
          for (let ix = queue.shift(); ix; ix = queue.shift()) {
            const t = performance.now();
            try {
              await client.query(ix.create);
            } catch (e) {
              if (!repair || (e as { code?: string }).code !== '23505') throw e;
              await repair(client, ix);
              await client.query(ix.create);
            }
            timings.indexBuildSeconds += (performance.now() - t) / 1000;
          }
          await client.query('RESET maintenance_work_mem; RESET max_parallel_maintenance_workers');
        }),
      );
    };
    await Promise.all([
      ...appenders.map(async (a) => {
        await a.copy.end();
        rows[a.p.name] = a.copy.rows;
        copiesEnd = Math.max(copiesEnd, performance.now());
        // An append table keeps the first row of a repeated unique key — the archive's id stored twice (a retry
        // stored again after the duplicate window) — as the live INSERT … ON CONFLICT DO NOTHING does. Every row
        // went in; the later ones go once the unique index has found such a key, so nothing is held while reading.
        const dropRepeatedKeys = async (client: PoolClient, ix: IndexDef) => {
          if (!ix.uniqueColumns) throw new Error(`cannot remove repeated keys of ${ix.name} (an expression or partial index)`);
          const shadow = qualifiedTable(schema, shadowOf(a.p));
          const order = quoteIdent(a.p.columns[0]!.name);
          const cols = ix.uniqueColumns.map(quoteIdent);
          const res = await client.query(
            `DELETE FROM ${shadow} t USING (SELECT ${cols.join(', ')}, min(${order}) AS first FROM ${shadow}
               WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' AND ')} GROUP BY ${cols.join(', ')} HAVING count(*) > 1) d
              WHERE ${cols.map((c) => `t.${c} = d.${c}`).join(' AND ')} AND t.${order} > d.first`,
          );
          rows[a.p.name]! -= res.rowCount ?? 0;
        };
        await buildIndexes(a.p, a.conns.map((c) => c.client), dropRepeatedKeys);
      }),
      ...rowTables.map(async (p, i) => {
        const map = states.get(p)!;
        const clients = rowConnections[i]!.map((c) => c.client);
        // Binary format when every value has its binary form here (a time not in ISO-8601 form, say, has not).
        const values = Array.from(map.values(), (state) => p.toColumns(state));
        const binary = binaryEncodable(p.columns, values) ? binaryRowEncoder(p.columns) : null;
        const copy = CopyWriter.open([...new Set(clients)], schema, shadowOf(p), p, binary ? 'binary' : 'text');
        copies.push(copy);
        if (binary) binaryTables.push(p.name);
        const text = copyLineEncoder(p.columns);
        for (const row of values) {
          const full = binary ? copy.pushRows(binary(row), 1, true) : copy.push(text(row));
          if (full) await full;
        }
        await copy.end();
        rows[p.name] = map.size;
        map.clear();
        copiesEnd = Math.max(copiesEnd, performance.now());
        await buildIndexes(p, clients);
      }),
    ]);
    states.clear();
    timings.copyAfterReadSeconds = (copiesEnd - readEnd) / 1000;
    timings.indexSeconds = (performance.now() - copiesEnd) / 1000;
    opts.onProgress?.(events, Math.max(total, events));

    const mark2 = performance.now();
    let caughtUp = 0;
    await main.client.query('BEGIN');
    try {
      await lockProjections(main.client, schema);
      const live = await readCheckpoints(main.client, schema, selected.map((p) => p.name));
      const target = Math.max(lastSeq, ...live.values());
      if (target > lastSeq) {
        if (!opts.catchUp) {
          throw new Error(`the live projections moved to seq ${target} during the rebuild (replayed up to ${lastSeq}): pause the projector or pass catchUp`);
        }
        const later: StoredEvent[] = [];
        for await (const e of asAsync(opts.catchUp(lastSeq + 1, target))) if (e.seq > lastSeq && e.seq <= target) later.push(e);
        for (const p of selected) await applyToTable(main.client, schema, shadowOf(p), p, later, opts.onEvolveError);
        caughtUp = later.length;
      }
      for (const p of selected) {
        await main.client.query(`DROP TABLE ${qualifiedTable(schema, p.table)}`);
        await main.client.query(`ALTER TABLE ${qualifiedTable(schema, shadowOf(p))} RENAME TO ${quoteIdent(p.table)}`);
        for (const ix of indexes.get(p) ?? []) {
          if (ix.constraint) {
            // Turns the unique index into the constraint, which also gives the index the constraint's name.
            const kind = ix.constraint === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
            await main.client.query(`ALTER TABLE ${qualifiedTable(schema, p.table)} ADD CONSTRAINT ${quoteIdent(ix.name)} ${kind} USING INDEX ${quoteIdent(ix.tempName)}`);
          } else {
            await main.client.query(`ALTER INDEX ${qualifiedTable(schema, ix.tempName)} RENAME TO ${quoteIdent(ix.name)}`);
          }
        }
      }
      // target ≥ every live checkpoint, so this sets each rebuilt projection's checkpoint to exactly target.
      await advanceCheckpoints(main.client, schema, new Map(selected.map((p) => [p.name, target])));
      await main.client.query('COMMIT');
      swapped = true;
      lastSeq = target;
    } catch (e) {
      await main.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    timings.swapSeconds = (performance.now() - mark2) / 1000;

    const seconds = (performance.now() - t0) / 1000;
    return {
      projections: selected.map((p) => p.name),
      events,
      lastSeq,
      rows,
      caughtUp,
      readerArchiveRows,
      binaryTables: selected.map((p) => p.name).filter((name) => binaryTables.includes(name)),
      seconds,
      eventsPerSecond: events / Math.max(seconds, 1e-9),
      timings,
    };
  } finally {
    for (const c of copies) await c.abort();
    if (!swapped) {
      for (const p of selected) await main.client.query(`DROP TABLE IF EXISTS ${qualifiedTable(schema, shadowOf(p))}`).catch(() => undefined);
    }
    for (const c of extra) await c.qr.release();
    await main.qr.release();
  }
}
