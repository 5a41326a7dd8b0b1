/** Batch sizes remembered for the target (the largest recent one). */
const RECENT_BATCHES = 16;
/** Weight of the newest gap in the mean gap between arrivals. */
const GAP_WEIGHT = 0.2;

/**
 * When a batch-mode consumer should handle what has arrived, or wait a little for more (framework-free; time is
 * passed in, in milliseconds).
 *
 * Every batch has a fixed cost (the projector's transaction: about ten round trips to PostgreSQL), so under load
 * fewer, larger batches cost less per message. A batch waits for company only when all of these hold:
 * - recent batches held more than one message, and fewer than the largest of the last 16 have arrived (several
 *   writers are at work, and not all of them are in yet);
 * - messages arrive fast enough that the next one is due before the wait runs out (mean gap between arrivals);
 * - the oldest waiting message has waited less than `lingerMs`.
 * So a lone message (one writer, one event at a time) or a trickle is handled at once, a burst that is complete is
 * handled at once, and messages that piled up behind a slow batch do not wait any longer.
 */
export class BatchLinger {
  private readonly recent: number[] = [];
  private meanGapMs = Number.POSITIVE_INFINITY;
  private lastArrivalMs: number | null = null;

  constructor(
    private readonly lingerMs: number,
    private readonly batchSize: number,
  ) {}

  /** A message arrived. */
  arrived(nowMs: number): void {
    if (this.lastArrivalMs !== null) {
      const gap = Math.max(0, nowMs - this.lastArrivalMs);
      this.meanGapMs = Number.isFinite(this.meanGapMs) ? this.meanGapMs + GAP_WEIGHT * (gap - this.meanGapMs) : gap;
    }
    this.lastArrivalMs = nowMs;
  }

  /** A batch of `size` messages was taken. */
  handled(size: number): void {
    this.recent.push(size);
    if (this.recent.length > RECENT_BATCHES) this.recent.shift();
  }

  /** How long to wait before taking a batch (0: take it now), with `queued` messages waiting, the oldest since `oldestMs`. */
  waitMs(queued: number, oldestMs: number, nowMs: number): number {
    if (this.lingerMs <= 0 || queued === 0) return 0;
    const target = Math.min(this.batchSize, Math.max(0, ...this.recent));
    if (target < 2 || queued >= target) return 0;
    const left = this.lingerMs - (nowMs - oldestMs);
    if (left <= 0 || this.meanGapMs > left) return 0;
    return left;
  }
}
