/** One message of the event log as the stream stored it (bytes unparsed). */
export interface RawLogMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

/** What the dashboard receives for each event: the envelope's identity and a small summary of its data. */
export interface FeedEvent {
  seq: number;
  id: string;
  type: string;
  aggregate: string;
  aggregateId: string;
  agentId: string | null;
  occurredAt: string;
  actor: string;
  prevHash: string | null;
  hash: string;
  /** Scalar fields of `data` (strings cut to 200 characters), short string lists, and the top diagnosis. */
  summary: Record<string, unknown>;
}

/** Fleet-wide rates, sent every `statsIntervalMs` while someone listens. */
export interface FleetStats {
  at: string;
  vitalsPerSecond: number;
  eventsPerSecond: number;
  /** Last sequence of the vitals stream (every vital ever stored). */
  vitalsSeq: number;
  /** Last sequence of the event log. */
  eventsSeq: number;
  /** Sequence every read model includes. */
  readModelSeq: number;
  listeners: number;
}

export type FeedMessage = { kind: 'event'; event: FeedEvent } | { kind: 'stats'; stats: FleetStats };
export type FeedListener = (message: FeedMessage) => void;

/** A running tail of the event log. */
export interface LogTail {
  messages: AsyncIterable<RawLogMessage>;
  close(): Promise<void>;
}

/** Where the feed reads from (NATS in production: see live-feed.nats.ts). */
export interface LiveFeedSource {
  /** The event log from `from` on, or from the next event when `new`. */
  tail(from: number | 'new'): LogTail;
  /** Last sequences of the vitals stream and of the event log. */
  counters(): Promise<{ vitalsSeq: number; eventsSeq: number }>;
}

/** How far the read models are (the gateway's ProjectionProgress). */
export interface ReadModelProgress {
  readonly seq: number;
  waitFor(seq: number, timeoutMs?: number): Promise<void>;
  /** Reads the read models' sequence now (the gateway's ProjectionProgress asks PostgreSQL). */
  refresh?(): Promise<number>;
}

/** The most events a starting feed replays to close the gap between a listener's reload and the tail. */
const MAX_CATCH_UP = 5_000;

export interface LiveFeedOptions {
  statsIntervalMs?: number;
  /** Longest an event waits for the read models before it is pushed anyway (projector down or behind). */
  holdMs?: number;
  /** Pause before the tail is reopened after it failed. */
  retryMs?: number;
  /** The tail and the stats timer stop this long after the last listener left. */
  idleStopMs?: number;
  now?: () => number;
  onError?: (what: string, e: unknown) => void;
}

/**
 * The live feed behind `GET /api/v1/stream`: tails the event log while at least one dashboard listens and
 * pushes each event once the read models include it (so a listener that reloads an agent on an event sees
 * the event's effect), in log order; every `statsIntervalMs` it pushes fleet rates read from the streams'
 * sequences. Framework-free; the NATS source and the HTTP edge are adapters.
 */
export class LiveFeed {
  private readonly listeners = new Set<FeedListener>();
  /** Events waiting for the read models, in log order, with when each arrived (`now()`). */
  private readonly pending: Array<{ event: FeedEvent; at: number }> = [];
  private waiting = false;
  private running: Promise<void> | null = null;
  private tailHandle: LogTail | null = null;
  private stopping = false;
  private lastSeq = 0;
  private statsTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private previous: { at: number; vitalsSeq: number; eventsSeq: number } | null = null;
  private latest: FleetStats | null = null;
  private readonly statsIntervalMs: number;
  private readonly holdMs: number;
  private readonly retryMs: number;
  private readonly idleStopMs: number;
  private readonly now: () => number;
  private readonly onError: (what: string, e: unknown) => void;

  constructor(
    private readonly source: LiveFeedSource,
    private readonly progress: ReadModelProgress,
    opts: LiveFeedOptions = {},
  ) {
    this.statsIntervalMs = opts.statsIntervalMs ?? 2_000;
    this.holdMs = opts.holdMs ?? 3_000;
    this.retryMs = opts.retryMs ?? 1_000;
    this.idleStopMs = opts.idleStopMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** The last stats pushed (null before the first sample). */
  get stats(): FleetStats | null {
    return this.latest;
  }

  /** Adds a listener (starting the tail on the first one); returns its unsubscribe function. */
  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    this.ensureRunning();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0 || this.stopping) return;
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        if (this.listeners.size === 0) void this.halt();
      }, this.idleStopMs);
      this.idleTimer.unref?.();
    };
  }

  /** Takes one message of the log (the tail calls it; specs may too). Unreadable messages are skipped. */
  accept(raw: RawLogMessage): void {
    if (raw.seq <= this.lastSeq) return;
    this.lastSeq = raw.seq;
    const event = toFeedEvent(raw);
    if (!event) return;
    this.pending.push({ event, at: this.now() });
    this.schedule();
  }

  /** Samples the streams once and pushes the rates (the timer calls it every `statsIntervalMs`). */
  async sampleStats(): Promise<FleetStats | null> {
    let counters: { vitalsSeq: number; eventsSeq: number };
    try {
      counters = await this.source.counters();
    } catch (e) {
      this.onError('stats', e);
      return null;
    }
    const at = this.now();
    const prev = this.previous;
    const seconds = prev ? (at - prev.at) / 1000 : 0;
    const rate = (now: number, before: number | undefined) =>
      seconds > 0 && before !== undefined ? round1(Math.max(0, now - before) / seconds) : 0;
    const stats: FleetStats = {
      at: new Date(at).toISOString(),
      vitalsPerSecond: rate(counters.vitalsSeq, prev?.vitalsSeq),
      eventsPerSecond: rate(counters.eventsSeq, prev?.eventsSeq),
      vitalsSeq: counters.vitalsSeq,
      eventsSeq: counters.eventsSeq,
      readModelSeq: this.progress.seq,
      listeners: this.listeners.size,
    };
    this.previous = { at, ...counters };
    this.latest = stats;
    this.emit({ kind: 'stats', stats });
    return stats;
  }

  /** Stops the tail and the timers and forgets every listener. */
  async stop(): Promise<void> {
    this.listeners.clear();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    await this.halt();
  }

  private ensureRunning(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.pump();
    if (!this.statsTimer) {
      void this.sampleStats();
      this.statsTimer = setInterval(() => void this.sampleStats(), this.statsIntervalMs);
      this.statsTimer.unref?.();
    }
  }

  private async halt(): Promise<void> {
    this.stopping = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.previous = null;
    await this.tailHandle?.close().catch((e: unknown) => this.onError('tail close', e));
    await this.running;
    this.running = null;
    // The next listener starts from "now": what happened while nobody listened is in the REST reads.
    this.lastSeq = 0;
    this.pending.length = 0;
    // Someone subscribed while we were stopping: start again for them.
    if (this.listeners.size > 0) this.ensureRunning();
  }

  /**
   * Where a starting tail begins: right after what the read models include, so nothing falls between what a
   * listener reloads (the read models) and what the feed pushes; from "now" when that is unknown or far behind.
   */
  private async startPoint(): Promise<number | 'new'> {
    try {
      const seq = (await this.progress.refresh?.()) ?? this.progress.seq;
      if (seq <= 0) return 'new';
      const { eventsSeq } = await this.source.counters();
      return eventsSeq - seq <= MAX_CATCH_UP ? Math.min(seq, eventsSeq) + 1 : 'new';
    } catch (e) {
      this.onError('start', e);
      return 'new';
    }
  }

  private async pump(): Promise<void> {
    while (!this.stopping) {
      const from = this.lastSeq > 0 ? this.lastSeq + 1 : await this.startPoint();
      if (this.stopping) break;
      const tail = this.source.tail(from);
      this.tailHandle = tail;
      try {
        for await (const m of tail.messages) {
          if (this.stopping) break;
          this.accept(m);
        }
      } catch (e) {
        if (!this.stopping) this.onError('tail', e);
      } finally {
        await tail.close().catch(() => undefined);
        this.tailHandle = null;
      }
      if (!this.stopping) await new Promise((r) => setTimeout(r, this.retryMs).unref?.());
    }
  }

  /**
   * One wait at a time, for the oldest pending event (at most what is left of its hold); each wake-up pushes
   * everything the read models include and everything that has waited `holdMs`, so with the projector down the
   * feed runs `holdMs` late instead of pushing one event per `holdMs` while the rest pile up without bound.
   */
  private schedule(): void {
    if (this.waiting || this.pending.length === 0) return;
    const head = this.pending[0]!;
    const oldest = head.event.seq;
    this.waiting = true;
    const done = () => {
      this.waiting = false;
      this.release(Math.max(oldest, this.progress.seq), this.now() - this.holdMs);
      this.schedule();
    };
    const left = Math.max(1, this.holdMs - (this.now() - head.at));
    this.progress.waitFor(oldest, left).then(done, done);
  }

  private release(upTo: number, heldSince: number): void {
    while (this.pending.length > 0 && (this.pending[0]!.event.seq <= upTo || this.pending[0]!.at <= heldSince)) {
      this.emit({ kind: 'event', event: this.pending.shift()!.event });
    }
  }

  private emit(message: FeedMessage): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch (e) {
        this.onError('listener', e);
      }
    }
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The envelope's identity and a summary of its data, or null for a message that is not an envelope. */
export function toFeedEvent(raw: RawLogMessage): FeedEvent | null {
  let env: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw.data).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    env = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const str = (k: string) => (typeof env[k] === 'string' ? (env[k] as string) : null);
  const type = str('type');
  const id = str('id');
  if (!type || !id) return null;
  return {
    seq: raw.seq,
    id,
    type,
    aggregate: str('aggregate') ?? '',
    aggregateId: str('aggregateId') ?? '',
    agentId: str('agentId'),
    occurredAt: str('occurredAt') ?? '',
    actor: str('actor') ?? '',
    prevHash: str('prevHash'),
    hash: str('hash') ?? '',
    summary: summarize(env['data']),
  };
}

const MAX_FIELDS = 16;

export function summarize(data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return out;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (Object.keys(out).length >= MAX_FIELDS) break;
    if (typeof v === 'string') out[k] = v.length > 200 ? `${v.slice(0, 199)}…` : v;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else if (Array.isArray(v) && v.length <= 10 && v.every((x) => typeof x === 'string')) out[k] = v;
    else if (k === 'diagnoses' && Array.isArray(v)) {
      const top = v[0] as { hypothesis?: unknown; confidence?: unknown } | undefined;
      if (top && typeof top.hypothesis === 'string') out['topDiagnosis'] = top.hypothesis;
      if (top && typeof top.confidence === 'number') out['topConfidence'] = top.confidence;
    }
  }
  return out;
}
