import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { ensureDurableConsumer } from '@immune/platform-jetstream';
import type { RawVital } from './vitals.ingestor';

export interface VitalsConsumerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface VitalsConsumerOptions {
  nc: NatsConnection;
  stream: string;
  /** Durable name (default `telemetry-vitals`). */
  durable?: string;
  /** The durable of an earlier version (explicit acks, per message): continued from its ack floor, then removed. */
  previousDurable?: string;
  /** Synchronous: every vital of one event-loop turn at once; what it returns is awaited before they are acked. */
  onBatch: (batch: RawVital[]) => Promise<void> | void;
  log: VitalsConsumerLogger;
  /** Messages the client asks for per pull (default 4096). */
  pull?: number;
  /**
   * Acks are coalesced: the newest handled message is acked at most this long after its batch was handled
   * (default 20 ms), or at once when this many handled messages wait (`ackEveryMessages`, default 2048).
   */
  ackDelayMs?: number;
  ackEveryMessages?: number;
}

/**
 * The telemetry hot path's reader: one durable consumer with `AckPolicy.All` delivering to a synchronous
 * callback — no per-message promise, no per-message ack. The vitals of one event-loop turn are one batch;
 * after the batch's async work (registrations) its LAST message becomes ackable, which acks every earlier one,
 * and batches become ackable in stream order (each waits for the previous batch's). The newest ackable message
 * is acked within `ackDelayMs` (or at once past `ackEveryMessages`): under load an event-loop turn holds only a
 * few vitals, and an ack per turn was a socket write (and server work) per handful of vitals. One read of each
 * vital, about one ack per 20 ms.
 *
 * With AckAll, two telemetry instances on the same durable could ack each other's messages in flight: a crash
 * of one may then skip a few of its vitals' registrations and rollups (an agent is registered at its next
 * vital anyway). That is accepted for history; the event log does not depend on it.
 */
export class VitalsConsumer {
  private messages: ConsumerMessages | null = null;
  private batch: RawVital[] = [];
  private last: JsMsg | null = null;
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly durable: string;
  /** The newest message whose batch (and every earlier one) is handled, not yet acked. */
  private ackable: JsMsg | null = null;
  private unacked = 0;
  private ackTimer: NodeJS.Timeout | null = null;
  batches = 0;
  acks = 0;

  constructor(private readonly opts: VitalsConsumerOptions) {
    this.durable = opts.durable ?? 'telemetry-vitals';
  }

  async start(): Promise<void> {
    const { nc, stream } = this.opts;
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    let deliver: Partial<ConsumerConfig> = { deliver_policy: DeliverPolicy.All };
    const exists = await jsm.consumers.info(stream, this.durable).then(() => true, () => false);
    let retire: string | null = null;
    if (!exists && this.opts.previousDurable) {
      const previous = await jsm.consumers.info(stream, this.opts.previousDurable).catch(() => null);
      if (previous) {
        deliver = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: previous.ack_floor.stream_seq + 1 };
        retire = this.opts.previousDurable;
      }
    }
    await ensureDurableConsumer(jsm, stream, {
      durable_name: this.durable,
      ack_policy: AckPolicy.All,
      ack_wait: nanos(60_000),
      max_ack_pending: 50_000,
      ...deliver,
    });
    if (retire) {
      await jsm.consumers.delete(stream, retire).catch(() => undefined);
      this.opts.log.info({ from: retire, to: this.durable, startSeq: deliver.opt_start_seq }, 'vitals consumer moved to batch acks');
    }
    const consumer = await jetstream(nc).consumers.get(stream, this.durable);
    this.messages = await consumer.consume({ max_messages: this.opts.pull ?? 4096, callback: (m) => this.onMessage(m) });
  }

  private onMessage(m: JsMsg): void {
    this.batch.push({ subject: m.subject, data: m.data, storedAtMs: storedAtMsOf(m) });
    this.last = m;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.close());
    }
  }

  private close(): void {
    this.scheduled = false;
    const batch = this.batch;
    const last = this.last;
    this.batch = [];
    this.last = null;
    if (!last) return;
    this.batches++;
    let work: Promise<void> | void;
    try {
      work = this.opts.onBatch(batch);
    } catch (e) {
      work = Promise.reject(e);
    }
    const done = Promise.resolve(work).catch((e: unknown) => {
      this.opts.log.warn({ err: e instanceof Error ? e.message : String(e), size: batch.length }, 'vitals batch handled with errors');
    });
    // In stream order: this batch's ack (acking everything up to it) waits for every earlier batch.
    const size = batch.length;
    this.chain = Promise.all([this.chain, done]).then(() => this.handled(last, size));
  }

  private handled(last: JsMsg, size: number): void {
    this.ackable = last;
    this.unacked += size;
    if (this.unacked >= (this.opts.ackEveryMessages ?? 2048)) {
      this.ackNow();
    } else if (this.ackTimer === null) {
      this.ackTimer = setTimeout(() => this.ackNow(), this.opts.ackDelayMs ?? 20);
    }
  }

  private ackNow(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    const m = this.ackable;
    this.ackable = null;
    this.unacked = 0;
    if (m === null) return;
    this.acks++;
    m.ack();
  }

  async stop(): Promise<void> {
    const m = this.messages;
    this.messages = null;
    if (m) await m.close().catch(() => undefined);
    if (this.scheduled) this.close();
    await this.chain;
    this.ackNow();
    await this.opts.nc.flush().catch(() => undefined);
  }
}

/**
 * When the stream stored the message (epoch ms), read from its ack subject without `m.info` (which splits the
 * subject into a dozen strings and parses six numbers, ~2 µs a vital): `$JS.ACK.<stream>.<consumer>.<delivered>.
 * <streamSeq>.<deliverySeq>.<timestampNanos>.<pending>` (9 tokens), or the 11/12-token form with domain and
 * account hash, where the timestamp is the 10th token. Anything else falls back to `m.info`.
 */
export function storedAtMsOf(m: Pick<JsMsg, 'info'>): number {
  // The ack subject is the message's reply subject (the JsMsg implementation has a `reply` getter; not typed).
  const reply = (m as { reply?: unknown }).reply;
  const r = typeof reply === 'string' ? reply : '';
  const dots: number[] = [];
  for (let i = r.indexOf('.'); i >= 0 && dots.length < 12; i = r.indexOf('.', i + 1)) dots.push(i);
  // 8 dots: old form (timestamp is token 7); 10 or 11 dots: new form (token 9).
  const k = dots.length === 8 ? 7 : dots.length === 10 || dots.length === 11 ? 9 : -1;
  if (k >= 0 && r.startsWith('$JS.ACK.')) {
    const ns = Number(r.substring((dots[k - 1] as number) + 1, dots[k] as number));
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  }
  return m.info.timestampNanos / 1e6;
}
