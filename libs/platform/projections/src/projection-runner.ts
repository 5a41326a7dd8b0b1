import type { PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import type { StoredEvent } from '@immune/contracts';
import { READ_MODEL_PROJECTIONS, type ProjectionDefinition } from '@immune/read-models';
import { applyToTable, type EvolveErrorHandler } from './projection-writer';
import { qualifiedTable } from './sql-values';

export const CHECKPOINT_TABLE = 'projection_checkpoints';

/**
 * Serializes everything that writes projections of one schema — live batches and a rebuild's swap — with a
 * transaction-level advisory lock, so they never interleave.
 */
export async function lockProjections(client: PoolClient, schema: string): Promise<void> {
  await client.query(lockSql('$1'), [schema]);
}

/** The lock's statement, the schema given as an SQL expression (a parameter or a literal). */
function lockSql(schema: string): string {
  return `SELECT pg_advisory_xact_lock(hashtext('immune.projections'), hashtext(${schema}))`;
}

export async function readCheckpoints(client: Pick<PoolClient, 'query'>, schema: string, names: readonly string[]): Promise<Map<string, number>> {
  const res = await client.query<{ name: string; last_seq: string }>(readCheckpointsSql(schema, '$1::text[]'), [names]);
  return checkpointsFrom(names, res.rows);
}

function readCheckpointsSql(schema: string, names: string): string {
  return `SELECT name, last_seq FROM ${qualifiedTable(schema, CHECKPOINT_TABLE)} WHERE name = ANY(${names})`;
}

function checkpointsFrom(names: readonly string[], rows: readonly { name: string; last_seq: string }[]): Map<string, number> {
  const out = new Map<string, number>(names.map((n) => [n, 0]));
  for (const r of rows) out.set(r.name, Number(r.last_seq));
  return out;
}

/** Moves checkpoints forward (never back), in the caller's transaction. */
export async function advanceCheckpoints(client: PoolClient, schema: string, to: ReadonlyMap<string, number>): Promise<void> {
  if (to.size === 0) return;
  const names = [...to.keys()];
  const seqs = names.map((n) => to.get(n)!);
  await client.query(advanceCheckpointsSql(schema, '$1::text[]', '$2::bigint[]'), [names, seqs]);
}

/** The statement of advanceCheckpoints, names and sequences given as SQL array expressions. */
function advanceCheckpointsSql(schema: string, names: string, seqs: string): string {
  return `INSERT INTO ${qualifiedTable(schema, CHECKPOINT_TABLE)} AS cp (name, last_seq, updated_at)
     SELECT name, seq, now() FROM unnest(${names}, ${seqs}) AS u(name, seq)
     ON CONFLICT (name) DO UPDATE SET last_seq = GREATEST(cp.last_seq, EXCLUDED.last_seq), updated_at = EXCLUDED.updated_at
     WHERE cp.last_seq < EXCLUDED.last_seq`;
}

/** A string as an SQL literal (standard_conforming_strings, the default since PostgreSQL 9.1: only quotes double). */
function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * A batch's opening in ONE round trip (a simple-protocol query of several statements): begin, no WAL-flush wait
 * (see apply), the projections lock, then the checkpoints. Each statement takes its own snapshot, so the
 * checkpoints are read after the lock is held, as with lockProjections + readCheckpoints.
 */
function openBatchSql(schema: string, names: readonly string[]): string {
  return ['BEGIN', 'SET LOCAL synchronous_commit = off', lockSql(sqlLiteral(schema)), readCheckpointsSql(schema, textArray(names))].join('; ');
}

function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map(sqlLiteral).join(', ')}]::text[]`;
}

/** A batch's end in ONE round trip: advanceCheckpoints' statement with its values inline, then COMMIT. */
function closeBatchSql(schema: string, to: ReadonlyMap<string, number>): string {
  if (to.size === 0) return 'COMMIT';
  const names = [...to.keys()];
  const seqs = names.map((n) => {
    const seq = to.get(n)!;
    if (!Number.isSafeInteger(seq)) throw new Error(`checkpoint of "${n}" is not an integer: ${seq}`);
    return String(seq);
  });
  return `${advanceCheckpointsSql(schema, textArray(names), `ARRAY[${seqs.join(', ')}]::bigint[]`)}; COMMIT`;
}

/** The batch starts after a projection's checkpoint + 1: events in between were never applied. */
export class CheckpointGapError extends Error {
  override readonly name = 'CheckpointGapError';
  constructor(
    readonly projection: string,
    readonly checkpoint: number,
    readonly firstSeq: number,
  ) {
    super(`projection "${projection}" is at seq ${checkpoint} but the batch starts at ${firstSeq}: seqs ${checkpoint + 1}..${firstSeq - 1} are missing`);
  }
}

export function isCheckpointGap(e: unknown): e is CheckpointGapError {
  return e instanceof CheckpointGapError;
}

export interface ApplyRange {
  /** First stream sequence the batch covers (default: the first event's). Poison messages make it differ. */
  firstSeq?: number;
  /** Last stream sequence the batch covers (default: the last event's); every checkpoint ends at least here. */
  lastSeq?: number;
}

export interface ApplyResult {
  /** The lowest checkpoint after the batch: every projection has applied the log up to here. */
  checkpoint: number;
  checkpoints: Record<string, number>;
  /** Events at least one projection had not applied before. */
  applied: number;
  /** Rows written, by projection. */
  rows: Record<string, number>;
}

export interface ProjectionRunnerOptions {
  dataSource: DataSource;
  schema: string;
  projections?: readonly ProjectionDefinition[];
  onEvolveError?: EvolveErrorHandler;
}

/**
 * Applies batches of the event log to the projections, each batch in ONE transaction together with the
 * checkpoints: take the projections lock, read the checkpoints, skip what each projection already has, load the
 * touched rows, evolve, write, move the checkpoints. A crash loses the whole batch or nothing; re-applying a
 * batch changes nothing; a batch that would leave a hole (it starts after checkpoint + 1) is refused.
 */
export class ProjectionRunner {
  readonly projections: readonly ProjectionDefinition[];

  constructor(private readonly opts: ProjectionRunnerOptions) {
    this.projections = opts.projections ?? READ_MODEL_PROJECTIONS;
  }

  get schema(): string {
    return this.opts.schema;
  }

  async checkpoints(): Promise<Map<string, number>> {
    const res = await this.opts.dataSource.query<{ name: string; last_seq: string }[]>(
      `SELECT name, last_seq FROM ${qualifiedTable(this.opts.schema, CHECKPOINT_TABLE)} WHERE name = ANY($1::text[])`,
      [this.projections.map((p) => p.name)],
    );
    const out = new Map<string, number>(this.projections.map((p) => [p.name, 0]));
    for (const r of res) out.set(r.name, Number(r.last_seq));
    return out;
  }

  /** The lowest checkpoint: the log is applied everywhere up to here. */
  async checkpoint(): Promise<number> {
    return Math.min(...(await this.checkpoints()).values());
  }

  async apply(events: readonly StoredEvent[], range: ApplyRange = {}): Promise<ApplyResult> {
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.seq <= events[i - 1]!.seq) throw new Error(`events must be in stream order: seq ${events[i]!.seq} after ${events[i - 1]!.seq}`);
    }
    const firstSeq = range.firstSeq ?? events[0]?.seq;
    const lastSeq = Math.max(range.lastSeq ?? 0, events[events.length - 1]?.seq ?? 0);
    const names = this.projections.map((p) => p.name);
    if (firstSeq === undefined || lastSeq === 0) {
      const cps = await this.checkpoints();
      return { checkpoint: Math.min(...cps.values()), checkpoints: Object.fromEntries(cps), applied: 0, rows: {} };
    }

    const qr = this.opts.dataSource.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    // Round trips, not statements, are what a batch costs the write path: the opening (begin, lock, checkpoints)
    // and the end (checkpoints, commit) go in one each; the projections' reads and writes sit in between.
    let open = true;
    try {
      // The commit does not wait for the WAL flush. Safe here: the rows and the checkpoints commit together, so
      // an OS crash that loses the last few milliseconds of commits loses whole batches, rows and checkpoint
      // alike, and PostgreSQL stays consistent. Those events are still in the log (the truth; the read models
      // can always be rebuilt from it): at start the projector moves its consumer back to checkpoint + 1 when it
      // acked past it, and applies them again. What it buys: a batch's commit waits for no fsync, so the read
      // models — what read-your-writes waits on — catch up sooner.
      // A query of several statements answers one result per statement; the checkpoints are the last.
      const opened = (await client.query(openBatchSql(this.opts.schema, names))) as unknown as QueryResult<{ name: string; last_seq: string }>[];
      const before = checkpointsFrom(names, opened[opened.length - 1]!.rows);
      const after = new Map<string, number>();
      const rows: Record<string, number> = {};
      let applied = 0;
      for (const p of this.projections) {
        const cp = before.get(p.name) ?? 0;
        if (lastSeq <= cp) continue;
        if (firstSeq > cp + 1) throw new CheckpointGapError(p.name, cp, firstSeq);
        const fresh = cp < firstSeq ? events : events.filter((e) => e.seq > cp);
        applied = Math.max(applied, fresh.length);
        rows[p.name] = await applyToTable(client, this.opts.schema, p.table, p, fresh, this.opts.onEvolveError);
        after.set(p.name, lastSeq);
      }
      await client.query(closeBatchSql(this.opts.schema, after));
      open = false;
      const checkpoints = new Map(before);
      for (const [n, s] of after) checkpoints.set(n, s);
      return { checkpoint: Math.min(...checkpoints.values()), checkpoints: Object.fromEntries(checkpoints), applied, rows };
    } finally {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      await qr.release();
    }
  }
}
