import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type Consumer, type ConsumerMessages } from '@nats-io/jetstream';
import type { ChainCheckpointedData, Names, StoredEvent } from '@immune/contracts';
import { headKey, headsHash, parseEnvelope } from './hash-chain';
import { isConcurrencyError } from './errors';
import { EventStore } from './event-store';
import type { LoopLogger } from './consumer-loop';

export interface ChainCheckpointerOptions {
  /** Write a checkpoint once this many events arrived since the last one (default 1000). */
  everyEvents?: number;
  /** ...and every interval when any event arrived since the last one (default 60 s). */
  intervalMs?: number;
  actor?: string;
  logger?: LoopLogger;
  clock?: () => Date;
}

export interface CheckpointerStatus {
  /** Last stream sequence read (checkpoints included). */
  position: number;
  /** Last non-checkpoint sequence read. */
  lastSequence: number;
  events: number;
  aggregates: number;
  lastCheckpoint: { seq: number; lastSequence: number } | null;
}

interface CheckpointHead {
  version: number;
  hash: string | null;
  lastSequence: number;
  events: number;
}

const silent: LoopLogger = { info: () => undefined, warn: () => undefined, error: (f, m) => console.error(m, f) };

/**
 * Follows the whole event log, keeps every aggregate's head (subject → last hash) and appends `ChainCheckpointed`
 * on the checkpoint subject, so a verifier can detect a removed tail or a removed aggregate that per-aggregate
 * chains miss. Checkpoints are themselves chained and appended with the expected version: when two instances
 * race, one wins and the other skips (it will read the winner's checkpoint as it follows the log).
 */
export class ChainCheckpointer {
  private readonly store: EventStore;
  private readonly everyEvents: number;
  private readonly intervalMs: number;
  private readonly log: LoopLogger;
  private readonly clock: () => Date;
  /** `{aggregate}.{id}` → hash of its last event. */
  private readonly heads = new Map<string, string>();
  private events = 0;
  private lastSeq = 0;
  private position = 0;
  private cp: CheckpointHead = { version: 0, hash: null, lastSequence: 0, events: 0 };
  private caughtUp = false;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private consumer: Consumer | null = null;
  private messages: ConsumerMessages | null = null;
  private following: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<StoredEvent | null> | null = null;
  private written = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly opts: ChainCheckpointerOptions = {},
  ) {
    this.store = new EventStore(nc, names);
    this.everyEvents = opts.everyEvents ?? 1000;
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.log = opts.logger ?? silent;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Reads the log up to its current end (building the heads), then follows it; resolves once caught up. */
  async start(): Promise<void> {
    if (this.following) return;
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const startLast = (await jsm.streams.info(this.names.eventsStream)).state.last_seq;
    this.consumer = await jetstream(this.nc).consumers.get(this.names.eventsStream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
    const messages = await this.consumer.consume({ max_messages: 2048 });
    this.messages = messages;
    if (startLast === 0) this.caughtUp = true;
    this.following = (async () => {
      for await (const m of messages) {
        this.apply(m.seq, m.subject, m.data);
        // Do not checkpoint while replaying history: heads are only current once caught up.
        if (!this.caughtUp && (m.seq >= startLast || m.info.pending === 0)) this.caughtUp = true;
        if (this.caughtUp && this.events - this.cp.events >= this.everyEvents) void this.write();
      }
    })().catch((e: unknown) => this.log.error({ err: String(e) }, 'chain checkpointer stopped following the log'));
    this.timer = setInterval(() => {
      if (this.caughtUp && this.lastSeq > this.cp.lastSequence) void this.write();
    }, this.intervalMs);
    this.timer.unref();
    await this.waitFor(startLast);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.messages?.close().catch(() => undefined);
    await this.following;
    await this.consumer?.delete().catch(() => undefined);
    await this.writing?.catch(() => undefined);
    this.following = null;
    this.messages = null;
    this.consumer = null;
  }

  /** Catches up with the log as it is now and writes a checkpoint if any event is uncovered; null if none (or lost a race). */
  async checkpointNow(timeoutMs = 30_000): Promise<StoredEvent | null> {
    if (!this.following) throw new Error('chain checkpointer is not started');
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    await this.waitFor((await jsm.streams.info(this.names.eventsStream)).state.last_seq, timeoutMs);
    if (this.writing) await this.writing.catch(() => undefined);
    return this.write();
  }

  get status(): CheckpointerStatus {
    return {
      position: this.position,
      lastSequence: this.lastSeq,
      events: this.events,
      aggregates: this.heads.size,
      lastCheckpoint: this.cp.version > 0 ? { seq: this.cp.version, lastSequence: this.cp.lastSequence } : null,
    };
  }

  get checkpointsWritten(): number {
    return this.written;
  }

  private apply(seq: number, subject: string, data: Uint8Array): void {
    if (seq <= this.position) return;
    this.position = seq;
    try {
      const envelope = parseEnvelope(data);
      if (subject === this.names.checkpointSubject) {
        if (envelope.type === 'ChainCheckpointed' && seq > this.cp.version) {
          const d = envelope.data as ChainCheckpointedData;
          this.cp = { version: seq, hash: envelope.hash, lastSequence: d.lastSequence, events: d.events };
        }
      } else {
        this.heads.set(headKey(this.names.ns, subject), envelope.hash);
        this.events++;
        this.lastSeq = seq;
      }
    } catch (e) {
      // The verifier reports such a message; the checkpointer cannot chain it, so it leaves it out.
      this.log.warn({ seq, subject, err: String(e) }, 'unreadable message in the event log');
    }
    this.waiters = this.waiters.filter((w) => {
      if (w.seq > this.position) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once the log has been read up to `seq`; with a timeout, rejects instead of hanging on a dead tail. */
  private waitFor(seq: number, timeoutMs?: number): Promise<void> {
    if (seq <= this.position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              this.waiters = this.waiters.filter((w) => w.resolve !== done);
              reject(new Error(`chain checkpointer is behind the log: read up to ${this.position} of ${seq} within ${timeoutMs} ms`));
            }, timeoutMs);
      const done = (): void => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ seq, resolve: done });
    });
  }

  private write(): Promise<StoredEvent | null> {
    this.writing ??= this.doWrite()
      .catch((e: unknown) => {
        this.log.error({ err: String(e) }, 'checkpoint failed');
        return null;
      })
      .then((written) => {
      this.writing = null;
      // Events that arrived during the append may already call for the next one (not after a failure: no hot loop).
      if (written && this.caughtUp && this.events - this.cp.events >= this.everyEvents) void this.write();
      return written;
    });
    return this.writing;
  }

  private async doWrite(): Promise<StoredEvent | null> {
    if (this.lastSeq <= this.cp.lastSequence) return null;
    // Snapshot synchronously: the heads keep moving while the append is in flight.
    const data: ChainCheckpointedData = {
      lastSequence: this.lastSeq,
      aggregates: this.heads.size,
      events: this.events,
      headsHash: headsHash(this.heads),
    };
    // A deterministic id: two instances checkpointing the same sequence produce one event.
    const id = `checkpoint:${data.lastSequence}`;
    try {
      const r = await this.store.append({
        aggregate: 'checkpoint',
        aggregateId: 'chain',
        events: [{ type: 'ChainCheckpointed', data }],
        expectedVersion: this.cp.version,
        prevHash: this.cp.hash,
        actor: this.opts.actor ?? 'chain-checkpointer',
        correlationId: id,
        causationId: id,
        now: this.clock().toISOString(),
        eventId: () => id,
      });
      const stored = r.events[0]!;
      if (stored.seq > this.cp.version) {
        const d = stored.envelope.data as ChainCheckpointedData;
        this.cp = { version: stored.seq, hash: stored.envelope.hash, lastSequence: d.lastSequence, events: d.events };
      }
      if (!stored.duplicate) this.written++;
      return stored;
    } catch (e) {
      if (!isConcurrencyError(e)) throw e;
      // Another instance checkpointed first; following the log brings its checkpoint here.
      this.log.info({ expected: e.expected, actual: e.actual }, 'checkpoint skipped: another instance wrote one');
      return null;
    }
  }
}
