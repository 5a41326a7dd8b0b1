/** setTimeout's limit (~24.8 days): longer delays are re-armed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The in-memory scheduler of the service's timers (NATS 2.9 has no message scheduling). It only holds what the
 * event log says is due and when: it is rebuilt from the log at start, so a timer that came due while the
 * service was down fires at once after the restart. One timer per key; arming a key again replaces it.
 */
export class Scheduler {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Arms `key` to call `fire` at `atMs` (at once when past); a key armed at the same time is left alone. */
  arm(key: string, atMs: number, fire: () => void): void {
    if (this.stopped) return;
    const prior = this.timers.get(key);
    if (prior && prior.at === atMs) return;
    if (prior) clearTimeout(prior.timer);
    const delay = Math.max(0, atMs - this.now());
    const timer = setTimeout(() => {
      if (this.timers.get(key)?.timer !== timer) return;
      this.timers.delete(key);
      if (atMs > this.now()) this.arm(key, atMs, fire);
      else fire();
    }, Math.min(delay, MAX_DELAY_MS));
    timer.unref?.();
    this.timers.set(key, { at: atMs, timer });
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t.timer);
    this.timers.delete(key);
  }

  /** Cancels every key with this prefix that is not in `keep`. */
  retain(prefix: string, keep: ReadonlySet<string>): void {
    for (const key of [...this.timers.keys()]) if (key.startsWith(prefix) && !keep.has(key)) this.cancel(key);
  }

  keys(): string[] {
    return [...this.timers.keys()];
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}
