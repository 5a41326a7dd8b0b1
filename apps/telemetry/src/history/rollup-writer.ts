import type { Vital } from '@immune/contracts';
import { VitalsRollupAccumulator, upsertVitalsRollups, type RollupSql } from '@immune/read-models';

export interface RollupWriterLogger {
  warn(fields: object, message: string): void;
}

/**
 * Vitals history without slowing the hot path: `add` sums a vital into its agent-minute in memory; every
 * `flushEveryMs` the sums go to `vitals_rollups` in ONE upsert statement (never a write per vital). A failed
 * flush keeps its rows for the next one. History, not a projection: a crash loses at most the unflushed
 * seconds, and vitals redelivered after one are summed again.
 */
export class RollupWriter {
  private readonly acc = new VitalsRollupAccumulator();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  flushed = 0;
  failures = 0;

  constructor(
    private readonly sql: RollupSql,
    private readonly schema: string,
    private readonly log: RollupWriterLogger,
    private readonly flushEveryMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  add(v: Vital): void {
    this.acc.add(v);
  }

  /** Writes what was summed so far (flushes run one at a time). */
  flush(): Promise<void> {
    const run = this.chain.then(async () => {
      const rows = this.acc.drain();
      if (rows.length === 0) return;
      try {
        await upsertVitalsRollups(this.sql, this.schema, rows);
        this.flushed += rows.length;
      } catch (e) {
        this.acc.restore(rows);
        if (this.failures++ % 30 === 0) this.log.warn({ err: e instanceof Error ? e.message : String(e), rows: rows.length }, 'vitals rollups not written; retried at the next flush');
      }
    });
    this.chain = run;
    return run;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
