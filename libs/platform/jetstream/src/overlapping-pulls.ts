import type { ConsumeCallback, Consumer, FetchMessages, JsMsg } from '@nats-io/jetstream';

export interface OverlappingPullsOptions {
  /** Messages per pull. */
  maxMessages: number;
  /** How long a pull waits for messages (ms, at least the server's minimum of 1000). */
  expiresMs: number;
  /** Whether to keep asking for pulls (false once stopping or pausing). */
  wanted: () => boolean;
  /** Each delivered message, in the order the server sent them. */
  onMessage: (m: JsMsg) => void;
  /** A pull ended (or failed): the owner may be done now. */
  onEnded: () => void;
  /**
   * A pull not ended this long after it was asked for is stopped and counted as ended (default: its expiry plus
   * 3 s, past the two missed heartbeats nats.js ends it after — the server has let it go by then).
   */
  lostAfterMs?: number;
}

/**
 * Keeps a pull of a durable consumer open at all times: the next pull is asked for a little BEFORE the current one
 * expires, so two may be open at once, and their messages are handed over in the order they arrive.
 *
 * Why: NATS 2.9 sometimes ends an expiring pull that received messages without its 408 notice, and nats.js only
 * learns it from two missed idle heartbeats (~1 s) — a reader with one pull at a time stalled ~1–2 s a few times a
 * minute under steady traffic. With the next pull already open, messages keep flowing, and a pull that ends that
 * way is simply over. Messages of both pulls arrive on one connection in delivery order: the callback (not the
 * iterator) sees them as they are parsed, so that order is kept.
 *
 * A pull is never abandoned while the server may still deliver to it (a message sent to a closed inbox waits
 * ack_wait for its redelivery, out of order): once `wanted()` turns false no new pull is asked for, and `open`
 * drops to 0 when the open ones have ended by themselves.
 */
export class OverlappingPulls {
  private readonly pulls = new Set<Pull>();
  private failed: unknown = null;

  constructor(
    private readonly consumer: Consumer,
    private readonly opts: OverlappingPullsOptions,
  ) {}

  /** Pulls still open (or being asked for). */
  get open(): number {
    return this.pulls.size;
  }

  /** The first error a pull failed with (missed heartbeats are not one), or null. */
  get failure(): unknown {
    return this.failed;
  }

  start(): void {
    if (this.pulls.size === 0 && this.active()) this.startPull();
  }

  private active(): boolean {
    return this.failed === null && this.opts.wanted();
  }

  private startPull(): void {
    const pull: Pull = { successor: null, lost: null };
    this.pulls.add(pull);
    const ended = (err: unknown): void => {
      if (!this.pulls.delete(pull)) return;
      if (pull.successor) clearTimeout(pull.successor);
      if (pull.lost) clearTimeout(pull.lost);
      if (err && !isHeartbeatsMissed(err)) this.failed ??= err;
      if (this.pulls.size === 0 && this.active()) this.startPull();
      this.opts.onEnded();
    };
    // nats.js's fetch honours `callback` (its pull implementation is the one consume() uses) though FetchMessages
    // does not declare it; the consumer-loop int spec checks it.
    const options: FetchMessages & ConsumeCallback = {
      max_messages: this.opts.maxMessages,
      expires: this.opts.expiresMs,
      callback: this.opts.onMessage,
    };
    this.consumer.fetch(options).then((messages) => {
      // Ask for the successor this long before this pull expires (a pull's round trip is far shorter).
      const overlapMs = Math.min(250, this.opts.expiresMs / 4);
      pull.successor = setTimeout(() => {
        pull.successor = null;
        if (this.pulls.size < 2 && this.active()) this.startPull();
      }, this.opts.expiresMs - overlapMs);
      // A pull that never ends would hold a stop() or pause() forever (seen once in a full test run: the loop's
      // stop() waited 120 s for one). Past its expiry and nats.js's heartbeat check the server no longer delivers
      // to it, so it is stopped and let go.
      pull.lost = setTimeout(() => {
        pull.lost = null;
        messages.stop();
        ended(null);
      }, this.opts.lostAfterMs ?? this.opts.expiresMs + 3000);
      messages.closed().then(ended, ended);
    }, ended);
  }
}

/** An open pull's timers: asking for its successor, and letting it go if it never ends. */
interface Pull {
  successor: NodeJS.Timeout | null;
  lost: NodeJS.Timeout | null;
}

/** How nats.js ends a fetch whose pull the server ended without telling. */
function isHeartbeatsMissed(e: unknown): boolean {
  return e instanceof Error && /heartbeats missed/i.test(e.message);
}
