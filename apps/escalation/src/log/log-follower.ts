import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { StoredEvent } from '@immune/contracts';
import { parseEnvelope, type LoopLogger } from '@immune/platform-jetstream';

/**
 * Follows the whole event log from sequence 1 with an ordered (ephemeral) consumer, so the service's state —
 * posture, timers, quarantines, threats — is rebuilt from the log at every start and then kept live. Messages
 * are handed over one by one in stream order; `waitFor(seq)` resolves once that sequence was applied.
 */
export class LogFollower {
  private messages: ConsumerMessages | null = null;
  position = 0;
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  poison = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly apply: (e: StoredEvent) => void,
    private readonly log: LoopLogger,
    /** How often a start that is still replaying says how far it is. */
    private readonly progressEveryMs = 30_000,
  ) {}

  /** Starts and resolves once everything stored before the call is applied (never earlier, however long it takes). */
  async start(): Promise<void> {
    const end = (await this.jsm.streams.info(this.stream)).state.last_seq;
    const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.All });
    this.messages = await consumer.consume({
      max_messages: 1024,
      callback: (m) => {
        let event: StoredEvent | null = null;
        try {
          event = { seq: m.seq, subject: m.subject, envelope: parseEnvelope(m.data) };
        } catch (e) {
          if (this.poison++ % 100 === 0) this.log.warn({ seq: m.seq, err: e instanceof Error ? e.message : String(e) }, 'unreadable event skipped');
        }
        if (event) {
          try {
            this.apply(event);
          } catch (e) {
            this.log.error({ seq: m.seq, err: e instanceof Error ? e.message : String(e) }, 'applying an event failed');
          }
        }
        this.position = m.seq;
        this.release();
      },
    });
    // However long the log is: the service must not act (write the posture, arm timers) on a half-read log.
    while (!(await this.waitFor(end, this.progressEveryMs))) {
      if (this.messages === null) throw new Error('log follower stopped before it caught up');
      this.log.info({ position: this.position, end }, 'still reading the event log');
    }
  }

  /** Resolves when `seq` was applied, or after `timeoutMs` (false). */
  waitFor(seq: number, timeoutMs = 10_000): Promise<boolean> {
    if (this.position >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push({ seq, resolve: done });
    });
  }

  private release(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.seq <= this.position) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async stop(): Promise<void> {
    const m = this.messages;
    this.messages = null;
    if (m) await m.close().catch(() => undefined);
  }
}
