import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ImmuneError, type Names } from '@immune/contracts';
import { tableIn, toNumber, type SqlRunner } from '../common/sql';

interface Waiter {
  seq: number;
  resolve(): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * How far the read models are: the stream sequence every projection has committed. Fed by the projector's
 * core-NATS progress notices (`{ "seq": n }` after each committed batch) and, since core NATS may drop a
 * notice, by polling `min(last_seq)` of `projection_checkpoints` while someone waits and no notice has moved
 * it for `pollMs`: while notices flow (a later batch's notice covers a dropped one) nobody queries PostgreSQL.
 * Framework-free.
 */
export class ProjectionProgress {
  private current = 0;
  /** When `current` last moved (performance.now()). */
  private advancedAt = 0;
  private readonly waiters = new Set<Waiter>();
  private sub: Subscription | undefined;
  private polling = false;
  private stopped = false;
  private readonly table: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly sql: SqlRunner,
    private readonly pollMs = 25,
  ) {
    this.table = tableIn(names.pgSchema, 'projection_checkpoints');
  }

  /** The highest sequence known to be in every read model. */
  get seq(): number {
    return this.current;
  }

  start(): void {
    if (this.sub) return;
    this.sub = this.nc.subscribe(this.names.projectionProgress, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const seq = (msg.json() as { seq?: unknown }).seq;
          if (typeof seq === 'number' && Number.isFinite(seq)) this.advance(seq);
        } catch {
          /* not ours: ignore */
        }
      },
    });
  }

  /** Resolves once the read models include `seq`; 504 SERVICE.TIMEOUT after `timeoutMs`. */
  waitFor(seq: number, timeoutMs = 5_000): Promise<void> {
    if (seq <= this.current) return Promise.resolve();
    if (this.stopped) return Promise.reject(unavailable());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        seq,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new ImmuneError(
              'SERVICE.TIMEOUT',
              'Read models behind',
              `The command was applied (sequence ${seq}) but the read models did not show it within ${timeoutMs} ms; ` +
                'read the agent again shortly.',
              { seq },
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
      void this.pollWhileWaiting();
    });
  }

  /** Reads `min(last_seq)` of the checkpoints once (0 when no projection has a checkpoint). */
  async refresh(): Promise<number> {
    const rows = await this.sql.query<{ seq: string | number | null }>(`SELECT min(last_seq) AS seq FROM ${this.table}`);
    const seq = toNumber(rows[0]?.seq ?? 0);
    this.advance(seq);
    return seq;
  }

  stop(): void {
    this.stopped = true;
    this.sub?.unsubscribe();
    this.sub = undefined;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(unavailable());
    }
    this.waiters.clear();
  }

  private advance(seq: number): void {
    if (seq <= this.current) return;
    this.current = seq;
    this.advancedAt = performance.now();
    for (const w of this.waiters) {
      if (w.seq <= seq) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /**
   * The fallback for lost notices: every `pollMs` while someone waits, unless a notice moved the sequence within
   * that interval (the notices are working, and the next one covers a dropped one). A waiter therefore learns of
   * its commit at most ~2 × `pollMs` after it when every notice is lost, and from the notice otherwise.
   */
  private async pollWhileWaiting(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      while (this.waiters.size > 0 && !this.stopped) {
        await new Promise((r) => setTimeout(r, this.pollMs));
        if (this.waiters.size === 0 || this.stopped) break;
        if (performance.now() - this.advancedAt < this.pollMs) continue;
        try {
          await this.refresh();
        } catch {
          /* PostgreSQL hiccup: the waiter's own timeout decides */
        }
      }
    } finally {
      this.polling = false;
    }
  }
}

function unavailable(): ImmuneError {
  return new ImmuneError('SERVICE.UNAVAILABLE', 'Shutting down', 'The gateway is shutting down.');
}
