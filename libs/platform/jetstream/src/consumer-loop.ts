import type { NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Counter, register as globalRegistry, type Registry } from 'prom-client';
import type { Names, StoredEvent } from '@immune/contracts';
import { BatchLinger } from './batch-linger';
import { parseEnvelope } from './hash-chain';
import { OverlappingPulls } from './overlapping-pulls';
import { jetStreamApiCode } from './errors';
import type { RawMessage } from './stream-reader';

/** What a handler receives: the decoded value plus where and how often it was delivered. */
export interface ConsumedMessage<T> {
  seq: number;
  subject: string;
  /** 1 on first delivery. */
  deliveryCount: number;
  /** When the stream stored the message (epoch ms, the server's clock): e.g. to judge a vital's own timestamp. */
  storedAtMs: number;
  value: T;
  raw: RawMessage;
}

/** Turns bytes into the handler's value; a throw marks the message as poison (terminated at once, reported). */
export type Decoder<T> = (raw: RawMessage) => T;

export const decodeEvent: Decoder<StoredEvent> = (raw) => ({ seq: raw.seq, subject: raw.subject, envelope: parseEnvelope(raw.data) });
export const decodeJson: Decoder<unknown> = (raw) => JSON.parse(Buffer.from(raw.data).toString('utf8')) as unknown;
export const decodeRaw: Decoder<RawMessage> = (raw) => raw;

/** A pino logger fits; so does anything with these three methods. */
export interface LoopLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface DeadLetterNotice {
  consumer: string;
  stream: string;
  seq: number;
  subject: string;
  error: string;
  deliveries: number;
}

interface LoopOptionsBase<T> {
  nc: NatsConnection;
  names: Names;
  stream: string;
  /** Durable consumer name; also the `{consumer}` label and the dead-letter subject suffix. */
  durable: string;
  filterSubject?: string;
  /** Where a new durable starts; ignored once it exists (the server keeps its position). */
  deliverFrom?: 'all' | 'new' | { startSeq: number };
  decode: Decoder<T>;
  /** Deliveries before a failing message is terminated and reported (default 10). */
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Messages per pull (default 256). */
  batchSize?: number;
  /**
   * How long one pull waits for messages (default 2000 ms, server minimum 1000). stop() and pause() let the pulls
   * in flight finish instead of abandoning them, so they take up to this long when idle, but never strand messages.
   */
  fetchExpiresMs?: number;
  /** Default 1000; at most two pulls of `batchSize` are open at once. */
  maxAckPending?: number;
  /**
   * Message mode: handle the messages of up to this many subjects at once (default 1: one message after another).
   * The messages of one subject (e.g. one aggregate's events) are still handled one after another, in stream order;
   * each is acked or nak'ed on its own as it finishes.
   */
  concurrency?: number;
  /**
   * Batch mode: while several writers keep messages coming fast, let the oldest waiting message wait up to this
   * long for the rest before its batch is handled — fewer, larger batches under load; a lone message or a trickle
   * is never held (see BatchLinger). Default 0: handle whatever has arrived at once.
   */
  batchLingerMs?: number;
  /**
   * Batch mode on a failed handler: 'in-place' (default) keeps the batch, waits the backoff and calls the handler
   * again, so stream order holds (the projector needs it); 'nak' naks every message with the backoff delay and
   * lets newer messages overtake them. Both terminate and report at maxDeliver.
   */
  batchRetry?: 'in-place' | 'nak';
  /** Redelivery delay after the n-th failed delivery; default 100 ms · 2^(n-1), capped at 30 s. */
  backoffMs?: (deliveryCount: number) => number;
  logger?: LoopLogger;
  /** Registry for `immune_consumer_terminated_total` (default: prom-client's global one). */
  registry?: Registry;
}

export type ConsumerLoopOptions<T> = LoopOptionsBase<T> &
  (
    | { onMessage: (m: ConsumedMessage<T>) => Promise<void> | void; onBatch?: never }
    | { onBatch: (batch: ConsumedMessage<T>[]) => Promise<void> | void; onMessage?: never }
  );

export interface ConsumerStats {
  processed: number;
  failed: number;
  terminated: number;
  batches: number;
}

export function defaultBackoffMs(deliveryCount: number): number {
  return Math.min(30_000, 100 * 2 ** Math.max(0, Math.min(deliveryCount - 1, 20)));
}

const CONSUMER_EXISTS = [10148, 10013, 10105];

/** Creates the durable consumer or updates it to the wanted config, safe when several instances start at once. */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<ConsumerInfo> {
  try {
    return await jsm.consumers.add(stream, config);
  } catch (e) {
    const code = jetStreamApiCode(e);
    if (code === null || !CONSUMER_EXISTS.includes(code)) throw e;
    const { ack_wait, max_deliver, max_ack_pending, description } = config;
    return jsm.consumers.update(stream, config.durable_name, { ack_wait, max_deliver, max_ack_pending, description });
  }
}

const terminatedCounters = new WeakMap<Registry, Counter<'consumer'>>();

function terminatedCounter(registry: Registry): Counter<'consumer'> {
  let c = terminatedCounters.get(registry);
  if (!c) {
    const name = 'immune_consumer_terminated_total';
    c =
      (registry.getSingleMetric(name) as Counter<'consumer'> | undefined) ??
      new Counter({ name, help: 'Messages terminated by a consumer after repeated failure or as poison', labelNames: ['consumer'], registers: [registry] });
    terminatedCounters.set(registry, c);
  }
  return c;
}

const consoleLogger: LoopLogger = {
  info: () => undefined,
  warn: (f, m) => console.warn(m, f),
  error: (f, m) => console.error(m, f),
};

/**
 * A durable pull consumer with explicit acks. Per-message mode acks each success and naks a failure with
 * backoff; batch mode hands the handler what one pull brought (the projector commits it in one transaction),
 * acks all of it on success and retries all of it on failure (see `batchRetry`). Past `maxDeliver`, or when
 * the bytes do not decode, a message is terminated and reported (log, `{ns}.deadletter.{consumer}`, metric):
 * never silently dropped.
 */
export class ConsumerLoop<T> {
  private consumer: Consumer | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private paused = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  /** Whoever waits for stop() or resume(): the paused loop, a retry backoff. */
  private readonly wakers = new Set<() => void>();
  /** Delivered and not yet acked, nak'ed or terminated. */
  private readonly held = new Set<JsMsg>();
  private readonly counters: ConsumerStats = { processed: 0, failed: 0, terminated: 0, batches: 0 };
  private readonly log: LoopLogger;
  private readonly batchSize: number;
  private readonly maxDeliver: number;
  private readonly backoff: (n: number) => number;
  private readonly terminated: Counter<'consumer'>;
  private readonly ackWaitMs: number;
  private readonly preserveOrder: boolean;
  private readonly concurrency: number;
  private readonly linger: BatchLinger;

  constructor(private readonly opts: ConsumerLoopOptions<T>) {
    this.log = opts.logger ?? consoleLogger;
    this.batchSize = opts.batchSize ?? 256;
    this.maxDeliver = opts.maxDeliver ?? 10;
    this.backoff = opts.backoffMs ?? defaultBackoffMs;
    this.terminated = terminatedCounter(opts.registry ?? globalRegistry);
    this.ackWaitMs = opts.ackWaitMs ?? 30_000;
    this.preserveOrder = opts.batchRetry !== 'nak';
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
    this.linger = new BatchLinger(opts.batchLingerMs ?? 0, this.batchSize);
  }

  get name(): string {
    return this.opts.durable;
  }

  get stats(): Readonly<ConsumerStats> {
    return { ...this.counters };
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Creates or updates the durable consumer and starts pulling. */
  async start(): Promise<this> {
    if (this.running) return this;
    const { nc, stream, durable, filterSubject } = this.opts;
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const from = this.opts.deliverFrom ?? 'all';
    const config: Partial<ConsumerConfig> & { durable_name: string } = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      max_deliver: this.maxDeliver,
      ack_wait: nanos(this.ackWaitMs),
      max_ack_pending: this.opts.maxAckPending ?? 1000,
      ...(filterSubject ? { filter_subject: filterSubject } : {}),
      ...(from === 'all'
        ? { deliver_policy: DeliverPolicy.All }
        : from === 'new'
          ? { deliver_policy: DeliverPolicy.New }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.startSeq }),
    };
    await ensureDurableConsumer(jsm, stream, config);
    this.consumer = await jetstream(nc).consumers.get(stream, durable);
    this.stopping = false;
    this.running = this.run();
    return this;
  }

  /** Stops after the pull in flight and its handler finish; unprocessed messages stay with the server. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeAll();
    await this.running;
    this.running = null;
  }

  /** Stops pulling once the current batch is handled (e.g. to hand over to a rebuild); resolves when idle. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.idle;
  }

  resume(): void {
    this.paused = false;
    this.wakeAll();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.paused) {
        await new Promise<void>((r) => this.wakers.add(r));
        continue;
      }
      this.idle = new Promise<void>((r) => (this.markIdle = r));
      try {
        await this.pullWhileActive();
      } catch (e) {
        if (this.opts.nc.isClosed() || this.opts.nc.isDraining()) break;
        this.log.warn({ consumer: this.name, err: errorText(e) }, 'pull failed; retrying');
        await this.sleep(1000);
      } finally {
        this.markIdle();
      }
    }
  }

  /**
   * Pulls until stopped or paused (OverlappingPulls: a pull is always open, and none is abandoned), handling
   * messages in the order they arrive (stream order). Returns once no pull is open and what they brought is
   * handled. Every delivered message goes into `held` as it arrives, so a keep-alive can `working()` all of them —
   * messages waiting behind a slow transaction or a batch retry are never redelivered out of order by an expired
   * ack_wait.
   */
  private async pullWhileActive(): Promise<void> {
    const queue: JsMsg[] = [];
    /** Batch mode: performance.now() at each queued message's arrival (parallel to `queue`), for the linger. */
    const arrivedAt: number[] = [];
    const batchMode = !this.opts.onMessage;
    /** Message mode with concurrency: handlers running or queued, and the last one per subject (to keep its order). */
    const running = new Set<Promise<void>>();
    const lastOfSubject = new Map<string, Promise<void>>();
    let handlerFailure: unknown = null;
    let wake: (() => void) | null = null;
    const notify = (): void => wake?.();
    const pulls = new OverlappingPulls(this.consumer!, {
      maxMessages: this.batchSize,
      expiresMs: Math.max(1000, this.opts.fetchExpiresMs ?? 2000), // the server's minimum
      wanted: () => !this.stopping && !this.paused && handlerFailure === null,
      onMessage: (m) => {
        queue.push(m);
        if (batchMode) {
          const now = performance.now();
          arrivedAt.push(now);
          this.linger.arrived(now);
        }
        this.held.add(m);
        notify();
      },
      onEnded: notify,
    });
    const failure = (): unknown => handlerFailure ?? pulls.failure;
    const pulling = (): boolean => !this.stopping && !this.paused && failure() === null;
    pulls.start();
    const keepAlive = setInterval(() => {
      for (const m of this.held) m.working();
    }, Math.max(100, Math.floor(this.ackWaitMs / 3)));
    /** Until a message arrives, a pull ends, stop()/resume() (through the wakers) or `timeoutMs` passes. */
    const news = (timeoutMs?: number): Promise<void> =>
      new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const woken = (): void => {
          if (timer) clearTimeout(timer);
          wake = null;
          this.wakers.delete(woken);
          resolve();
        };
        if (timeoutMs !== undefined) timer = setTimeout(woken, timeoutMs);
        wake = woken;
        this.wakers.add(woken);
      });
    /** Message mode with concurrency: starts `m`'s handler after the one before it on its subject. */
    const dispatch = (m: JsMsg): void => {
      const before = lastOfSubject.get(m.subject);
      const run: Promise<void> = (before ? before.then(() => this.handleOne(m)) : this.handleOne(m))
        .catch((e: unknown) => {
          handlerFailure ??= e; // settling failed (the connection is gone): end this round like a failed pull
        })
        .finally(() => {
          running.delete(run);
          if (lastOfSubject.get(m.subject) === run) lastOfSubject.delete(m.subject);
          notify();
        });
      running.add(run);
      lastOfSubject.set(m.subject, run);
    };
    try {
      for (;;) {
        if (queue.length > 0 && !batchMode) {
          if (this.concurrency === 1) await this.handleOne(queue.shift()!);
          else if (lastOfSubject.has(queue[0]!.subject) || lastOfSubject.size < this.concurrency) dispatch(queue.shift()!);
          else await news(); // as many subjects at work as allowed: wait for one to finish
          continue;
        }
        if (queue.length > 0) {
          const linger = pulling() ? this.linger.waitMs(queue.length, arrivedAt[0]!, performance.now()) : 0;
          if (linger > 0) {
            await news(linger); // woken by each arrival to look again
            continue;
          }
          // Everything that has arrived, up to a batch: low latency when quiet, big batches under load.
          const batch = queue.splice(0, this.batchSize);
          arrivedAt.splice(0, batch.length);
          this.linger.handled(batch.length);
          await this.handleBatch(batch);
          continue;
        }
        // Stopped, paused or failed: done once no pull can deliver any more and every handler has finished.
        if (!pulling() && pulls.open === 0 && running.size === 0) break;
        await news();
      }
      if (failure()) throw failure();
    } finally {
      clearInterval(keepAlive);
      // Acks are fire-and-forget publishes: make sure the server has them before a stop or pause returns.
      await this.opts.nc.flush().catch(() => undefined);
    }
  }

  private decode(m: JsMsg): ConsumedMessage<T> | Error {
    const raw: RawMessage = { seq: m.seq, subject: m.subject, data: m.data };
    try {
      return { seq: m.seq, subject: m.subject, deliveryCount: m.info.deliveryCount, storedAtMs: m.time.getTime(), value: this.opts.decode(raw), raw };
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  private async handleOne(m: JsMsg): Promise<void> {
    const decoded = this.decode(m);
    if (decoded instanceof Error) return this.terminate(m, `poison message: ${decoded.message}`);
    try {
      await this.opts.onMessage!(decoded);
      this.settle(m, 'ack');
      this.counters.processed++;
    } catch (e) {
      this.counters.failed++;
      this.failed(m, e);
    }
  }

  private async handleBatch(msgs: JsMsg[]): Promise<void> {
    const good: { m: JsMsg; c: ConsumedMessage<T> }[] = [];
    for (const m of msgs) {
      const decoded = this.decode(m);
      if (decoded instanceof Error) this.terminate(m, `poison message: ${decoded.message}`);
      else good.push({ m, c: decoded });
    }
    if (good.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      this.counters.batches++;
      const batch = good.map((g) => ({ ...g.c, deliveryCount: g.c.deliveryCount + attempt }));
      try {
        await this.opts.onBatch!(batch);
      } catch (e) {
        this.counters.failed += good.length;
        if (!this.preserveOrder) {
          for (const g of good) this.failed(g.m, e, g.c.deliveryCount);
          return;
        }
        const deliveries = batch[0]!.deliveryCount;
        if (deliveries >= this.maxDeliver) {
          for (const g of good) this.terminate(g.m, errorText(e), g.c.deliveryCount + attempt);
          return;
        }
        if (this.stopping) {
          // Hand the batch back at once so whoever takes over starts with it.
          for (const g of good) this.settle(g.m, 'nak');
          return;
        }
        const delay = this.backoff(deliveries);
        this.log.warn({ consumer: this.name, firstSeq: batch[0]!.seq, size: batch.length, deliveries, retryInMs: delay, err: errorText(e) }, 'batch handler failed; retrying');
        // Keep the batch (the keep-alive stops redelivery): a nak would let newer messages overtake it.
        await this.sleep(delay);
        continue;
      }
      for (const g of good) this.settle(g.m, 'ack');
      this.counters.processed += good.length;
      return;
    }
  }

  private settle(m: JsMsg, how: 'ack' | 'nak' | 'term', nakDelayMs?: number): void {
    this.held.delete(m);
    if (how === 'ack') m.ack();
    else if (how === 'nak') m.nak(nakDelayMs);
    else m.term();
  }

  private wakeAll(): void {
    const all = [...this.wakers];
    this.wakers.clear();
    for (const w of all) w();
  }

  /** A sleep that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private failed(m: JsMsg, e: unknown, deliveries = m.info.deliveryCount): void {
    if (deliveries >= this.maxDeliver) {
      this.terminate(m, errorText(e), deliveries);
      return;
    }
    const delay = this.backoff(deliveries);
    this.log.warn({ consumer: this.name, seq: m.seq, subject: m.subject, deliveries, retryInMs: delay, err: errorText(e) }, 'handler failed; will retry');
    this.settle(m, 'nak', delay);
  }

  private terminate(m: JsMsg, error: string, deliveries = m.info.deliveryCount): void {
    this.settle(m, 'term');
    this.counters.terminated++;
    this.terminated.inc({ consumer: this.name });
    const notice: DeadLetterNotice = {
      consumer: this.name,
      stream: this.opts.stream,
      seq: m.seq,
      subject: m.subject,
      error,
      deliveries,
    };
    this.log.error(notice, 'message terminated');
    try {
      this.opts.nc.publish(deadLetterSubject(this.opts.names, this.name), JSON.stringify(notice));
    } catch (e) {
      this.log.error({ consumer: this.name, err: errorText(e) }, 'could not publish dead-letter notice');
    }
  }
}

/** Core-NATS subject of a consumer's dead-letter notices. */
export function deadLetterSubject(names: Names, consumer: string): string {
  return `${names.ns}.deadletter.${consumer}`;
}

/** Creates and starts a consumer loop. */
export function runConsumer<T>(opts: ConsumerLoopOptions<T>): Promise<ConsumerLoop<T>> {
  return new ConsumerLoop(opts).start();
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
