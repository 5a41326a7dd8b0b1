import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { names as namesOf, type Names, type StoredEvent } from '@immune/contracts';
import {
  ConsumerLoop,
  connectNats,
  provisionEventStream,
  startHeartbeat,
  type ConsumedMessage,
  type LoopLogger,
} from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import {
  DEFAULT_PAUSE_LEASE_MS,
  ProjectionRunner,
  decodeStoredEvent,
  isCheckpointGap,
  type ApplyResult,
  type ProjectorControlReply,
  type ProjectorControlRequest,
} from '@immune/platform-projections';
import { createLogger, type RuntimeConfig } from '@immune/platform-runtime';
import { migrate, READ_MODEL_ENTITIES } from '@immune/read-models';
import { ProjectorMetrics } from './projector.metrics';

export const PROJECTOR_DURABLE = 'projector';
const SERVICE = 'projector';

export interface ProjectorServiceOptions {
  /** Instance id in heartbeats and control replies (default: random). */
  instance?: string;
  /** Messages per pull and per transaction (default 500). */
  batchSize?: number;
  /** Deliveries of a failing batch before it is applied event by event to single out a poisonous one (default 5). */
  isolateAfter?: number;
  heartbeatMs?: number;
  /** How long an idle pull waits (default 1000, the server's minimum): bounds pause and stop latency when idle. */
  fetchExpiresMs?: number;
  /**
   * While several writers keep events coming fast, how long the oldest may wait for the rest before its batch is
   * applied (default 10 ms; a lone event or a trickle is applied at once, see BatchLinger): with 16 concurrent
   * writers one transaction carries ~7 events instead of ~2, which halves the projector's and PostgreSQL's work.
   */
  batchLingerMs?: number;
  /** Use this connection (it is not closed by stop()). */
  nc?: NatsConnection;
  /** Use this DataSource, bound to the namespace schema (it is not destroyed by stop()). */
  dataSource?: DataSource;
}

/** Where each batch covered the stream: poison messages are skipped but their sequences are covered. */
interface PendingPoison {
  seq: number;
}

/**
 * The projector, free of Nest: consumes the event log with the durable pull consumer `projector` (explicit
 * acks, batches of up to 500), applies each batch with its checkpoints in one transaction (ProjectionRunner),
 * acks after the commit and announces `{ "seq" }` on `names.projectionProgress` for read-your-writes.
 *
 * - The database is the truth of where the projector is; the consumer is only a cursor. At start (and after
 *   repeated gaps) the consumer is re-positioned at the lowest checkpoint + 1 when it is ahead of it or holds
 *   messages delivered to a dead instance.
 * - A failing batch is retried in place (stream order holds), forever: a database outage must never drop an
 *   event. After `isolateAfter` deliveries it is applied event by event; an event that fails alone while the
 *   database answers is skipped (logged, counted). A message that does not decode is terminated at once.
 * - Control (`names.projectorControl`): `{op:'pause', leaseMs?}` finishes the batch in flight, stops pulling and
 *   answers `{paused: true, checkpoint}`; the pause ends by `{op:'resume'}` or when its lease runs out.
 */
export class ProjectorService {
  readonly instance: string;
  private loop: ConsumerLoop<StoredEvent> | null = null;
  private control: Subscription | null = null;
  private stopHeartbeat: () => void = () => undefined;
  private lagTimer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private lowest = 0;
  private isPaused = false;
  private stopping = false;
  private gapFailures = 0;
  private lastFailureWasGap = false;
  private repositioning: Promise<void> | null = null;
  private poison: PendingPoison[] = [];
  private readonly metrics: ProjectorMetrics;
  private readonly batchSize: number;

  private constructor(
    private readonly names: Names,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly ds: DataSource,
    private readonly runner: ProjectionRunner,
    private readonly log: LoopLogger,
    private readonly registry: Registry,
    private readonly opts: ProjectorServiceOptions,
    private readonly owns: { nc: boolean; ds: boolean },
  ) {
    this.instance = opts.instance ?? `${SERVICE}-${randomBytes(4).toString('hex')}`;
    this.metrics = new ProjectorMetrics(registry);
    this.batchSize = opts.batchSize ?? 500;
  }

  static async start(config: RuntimeConfig, log?: LoopLogger, registry: Registry = new Registry(), opts: ProjectorServiceOptions = {}): Promise<ProjectorService> {
    const logger = log ?? createLogger(SERVICE, config);
    const names = namesOf(config.namespace);
    const nc = opts.nc ?? (await connectNats(config.natsServers, `immune-${SERVICE}`)).nc;
    let ds: DataSource | null = null;
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      await provisionEventStream(jsm, names);
      await migrate(config);
      ds =
        opts.dataSource ??
        (await openDataSource({ databaseUrl: config.databaseUrl, schema: names.pgSchema, entities: READ_MODEL_ENTITIES, poolSize: 4, applicationName: `immune-${SERVICE}` }));
      let service: ProjectorService | null = null;
      const runner = new ProjectionRunner({
        dataSource: ds,
        schema: names.pgSchema,
        onEvolveError: (projection, event, error) => service?.evolveFailed(projection, event, error),
      });
      service = new ProjectorService(names, nc, jsm, ds, runner, logger, registry, opts, { nc: !opts.nc, ds: !opts.dataSource });
      await service.begin();
      return service;
    } catch (e) {
      if (!opts.dataSource) await ds?.destroy().catch(() => undefined);
      if (!opts.nc) await nc.close().catch(() => undefined);
      throw e;
    }
  }

  /** The lowest projection checkpoint this instance knows of. */
  get checkpoint(): number {
    return this.lowest;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  private async begin(): Promise<void> {
    this.lowest = await this.runner.checkpoint();
    this.setCheckpoint(this.lowest);
    await this.positionConsumer(this.lowest, false);
    this.loop = this.newLoop(this.lowest);
    await this.loop.start();
    this.control = this.nc.subscribe(this.names.projectorControl, { callback: (err, msg) => (err ? undefined : void this.onControl(msg)) });
    // Started means answering: once the server has the subscription, a pause sent from any connection reaches it
    // (without this, a full test run once saw a pause right after start find no projector).
    await this.nc.flush();
    this.stopHeartbeat = startHeartbeat(this.nc, this.names, SERVICE, this.instance, this.opts.heartbeatMs ?? 2000);
    this.lagTimer = setInterval(() => void this.measureLag(), 2000);
    this.lagTimer.unref();
    this.log.info({ instance: this.instance, checkpoint: this.lowest, stream: this.names.eventsStream }, 'projector started');
  }

  /** Graceful: finishes the batch in flight, acks it, and closes what it opened. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.stopHeartbeat();
    this.control?.unsubscribe();
    await this.repositioning;
    await this.loop?.stop();
    if (this.owns.nc) await this.nc.drain().catch(() => undefined);
    if (this.owns.ds) await this.ds.destroy().catch(() => undefined);
    this.log.info({ instance: this.instance, checkpoint: this.lowest }, 'projector stopped');
  }

  private newLoop(checkpoint: number): ConsumerLoop<StoredEvent> {
    return new ConsumerLoop<StoredEvent>({
      nc: this.nc,
      names: this.names,
      stream: this.names.eventsStream,
      durable: PROJECTOR_DURABLE,
      deliverFrom: checkpoint === 0 ? 'all' : { startSeq: checkpoint + 1 },
      decode: (raw) => {
        try {
          return decodeStoredEvent(raw.seq, raw.subject, raw.data);
        } catch (e) {
          // The loop terminates (and reports) it; the next batch's range covers its sequence.
          this.poison.push({ seq: raw.seq });
          this.metrics.poison.inc();
          throw e;
        }
      },
      onBatch: (batch) => this.onBatch(batch),
      batchSize: this.batchSize,
      // Never give up on a batch: a database outage must not drop events (poison is singled out below).
      maxDeliver: 1_000_000,
      ackWaitMs: 30_000,
      maxAckPending: this.batchSize * 2,
      fetchExpiresMs: this.opts.fetchExpiresMs ?? 1000,
      batchLingerMs: this.opts.batchLingerMs ?? 10,
      batchRetry: 'in-place',
      logger: this.log,
      registry: this.registry,
    });
  }

  private async onBatch(batch: ConsumedMessage<StoredEvent>[]): Promise<void> {
    const events = batch.map((m) => m.value);
    const seqs = [...events.map((e) => e.seq), ...this.poison.map((p) => p.seq)].filter((s) => s > this.lowest);
    const firstSeq = Math.min(...seqs, events[0]!.seq);
    const lastSeq = Math.max(...seqs, events[events.length - 1]!.seq);
    const deliveries = batch[0]!.deliveryCount;
    const started = performance.now();
    let result: ApplyResult;
    try {
      result =
        deliveries >= (this.opts.isolateAfter ?? 5) && !this.lastFailureWasGap
          ? await this.applyOneByOne(events, firstSeq, lastSeq)
          : await this.runner.apply(events, { firstSeq, lastSeq });
    } catch (e) {
      this.metrics.batchFailures.inc();
      this.lastFailureWasGap = isCheckpointGap(e);
      if (this.lastFailureWasGap && ++this.gapFailures >= 3 && !this.repositioning) {
        // The consumer is ahead of the database (a lost delivery, a restored database…): move it back.
        setImmediate(() => void this.reposition());
      }
      throw e;
    }
    this.lastFailureWasGap = false;
    this.gapFailures = 0;
    this.poison = this.poison.filter((p) => p.seq > lastSeq);
    this.metrics.batchDuration.observe((performance.now() - started) / 1000);
    this.metrics.eventsApplied.inc(result.applied);
    this.setCheckpoint(result.checkpoint);
  }

  /**
   * A batch that keeps failing: apply it event by event. When one fails alone while PostgreSQL answers, the
   * event itself is the problem (a value the database refuses): skip it so the log behind it is not blocked.
   */
  private async applyOneByOne(events: StoredEvent[], firstSeq: number, lastSeq: number): Promise<ApplyResult> {
    let from = firstSeq;
    let result: ApplyResult | null = null;
    for (const e of events) {
      try {
        result = await this.runner.apply([e], { firstSeq: from, lastSeq: e.seq });
      } catch (err) {
        if (isCheckpointGap(err)) throw err;
        await this.ds.query('SELECT 1'); // throws while the database is away: then retry the whole batch later
        this.metrics.poison.inc();
        this.log.error({ seq: e.seq, subject: e.subject, type: e.envelope.type, id: e.envelope.id, err: errorText(err) }, 'event refused by the database; skipped');
        result = await this.runner.apply([], { firstSeq: e.seq, lastSeq: e.seq });
      }
      from = e.seq + 1;
    }
    if (lastSeq >= from) result = await this.runner.apply([], { firstSeq: from, lastSeq });
    return result!;
  }

  private setCheckpoint(seq: number): void {
    this.lowest = seq;
    this.metrics.checkpoint.set(seq);
    try {
      this.nc.publish(this.names.projectionProgress, JSON.stringify({ seq }));
    } catch {
      // Closed or draining: readers fall back to polling the checkpoints.
    }
  }

  private evolveFailed(projection: string, event: StoredEvent, error: unknown): void {
    this.metrics.evolveErrors.inc({ projection });
    this.log.error({ projection, seq: event.seq, type: event.envelope.type, err: errorText(error) }, 'projection failed to evolve an event; skipped for it');
  }

  /** Deletes the durable consumer when it would skip or stall events, so the loop re-creates it at checkpoint + 1. */
  private async positionConsumer(checkpoint: number, force: boolean): Promise<void> {
    let stale = force;
    if (!stale) {
      try {
        const info = await this.jsm.consumers.info(this.names.eventsStream, PROJECTOR_DURABLE);
        stale = info.ack_floor.stream_seq > checkpoint || info.num_ack_pending > 0;
      } catch {
        return; // no consumer yet: the loop creates it where the checkpoint says
      }
    }
    if (stale) {
      this.log.warn({ checkpoint }, 'moving the projector consumer to the checkpoint');
      await this.jsm.consumers.delete(this.names.eventsStream, PROJECTOR_DURABLE).catch(() => undefined);
    }
    this.poison = [];
  }

  private reposition(): Promise<void> {
    this.repositioning ??= (async () => {
      try {
        await this.loop?.stop();
        if (this.stopping) return;
        this.lowest = await this.runner.checkpoint();
        await this.positionConsumer(this.lowest, true);
        this.loop = this.newLoop(this.lowest);
        await this.loop.start();
        if (this.isPaused) await this.loop.pause();
        this.gapFailures = 0;
      } catch (e) {
        this.log.error({ err: errorText(e) }, 'could not re-position the projector consumer');
      } finally {
        this.repositioning = null;
      }
    })();
    return this.repositioning;
  }

  /** Finishes the batch in flight and stops pulling until resume() or the lease runs out. */
  async pause(leaseMs = DEFAULT_PAUSE_LEASE_MS): Promise<number> {
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    if (!this.isPaused) {
      this.isPaused = true;
      this.metrics.paused.set(1);
      await this.repositioning;
      await this.loop?.pause();
      this.log.info({ checkpoint: this.lowest }, 'projector paused');
    }
    // The lease runs from the answer, so a slow batch does not eat into it.
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = setTimeout(() => {
      this.log.warn({ leaseMs }, 'pause lease ran out; resuming');
      void this.resume();
    }, leaseMs);
    this.leaseTimer.unref();
    return this.lowest;
  }

  /** Carries on from the checkpoints in the database (a rebuild may have moved them). */
  async resume(): Promise<number> {
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    if (this.isPaused) {
      this.isPaused = false;
      this.metrics.paused.set(0);
      this.setCheckpoint(await this.runner.checkpoint());
      this.loop?.resume();
      this.log.info({ checkpoint: this.lowest }, 'projector resumed');
    }
    return this.lowest;
  }

  private async onControl(msg: Msg): Promise<void> {
    const reply = (r: Omit<ProjectorControlReply, 'instance'>) => {
      if (msg.reply) msg.respond(JSON.stringify({ instance: this.instance, ...r }));
    };
    try {
      const req = msg.json<ProjectorControlRequest>();
      switch (req.op) {
        case 'pause': {
          const checkpoint = await this.pause(typeof req.leaseMs === 'number' && req.leaseMs > 0 ? req.leaseMs : DEFAULT_PAUSE_LEASE_MS);
          reply({ paused: true, checkpoint });
          return;
        }
        case 'resume': {
          const checkpoint = await this.resume();
          reply({ paused: false, checkpoint });
          return;
        }
        case 'status':
          reply({ paused: this.isPaused, checkpoint: this.lowest });
          return;
        default: {
          const unknownOp: never = req;
          reply({ paused: this.isPaused, checkpoint: this.lowest, error: `unknown op ${JSON.stringify((unknownOp as { op?: unknown }).op)}` });
        }
      }
    } catch (e) {
      reply({ paused: this.isPaused, checkpoint: this.lowest, error: errorText(e) });
    }
  }

  private async measureLag(): Promise<void> {
    try {
      const info = await this.jsm.streams.info(this.names.eventsStream);
      this.metrics.lag.set(Math.max(0, info.state.last_seq - this.lowest));
    } catch {
      // NATS away for a moment: keep the last value
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
