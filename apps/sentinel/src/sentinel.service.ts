import { performance } from 'node:perf_hooks';
import type { JsMsg } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import type { Registry } from 'prom-client';
import { names as namesOf, type Names } from '@immune/contracts';
import {
  applyFleetCorrelation,
  createAgentBaseline,
  describeBaseline,
  parseDetectionSettings,
  resetWindow,
  restoreBaseline,
  snapshotBaseline,
  type AnomalyType,
  type BaselineSummary,
  type DetectionConfig,
  type FleetCorrelation,
  type Infection,
} from '@immune/domain-detection';
import {
  HeartbeatMonitor,
  connectNats,
  provisionAll,
  startHeartbeat,
  type LoopLogger,
  type NatsContext,
} from '@immune/platform-jetstream';
import { PartitionLeases, watchKv, type KvWatch } from '@immune/platform-partitions';
import { intFromEnv, newId, type RuntimeConfig } from '@immune/platform-runtime';
import { BaselineStore, progressKey, type PartitionProgress, type StoredBaseline } from './baselines/baseline-store';
import { DETECTION_CONFIG_KEY } from './config/detection-settings';
import { PostureAwareSettings, PostureWatch } from './posture/posture-watch';
import { FleetExchange } from './fleet/fleet-exchange';
import { InfectionSender, type InfectionRequest, type SendOutcome } from './infections/infection-sender';
import { AgentState, estimateAgentBytes } from './scoring/agent-state';
import { VitalsFeed } from './scoring/vitals-feed';
import { VitalsScorer } from './scoring/vitals-scorer';
import { openSentinelBuckets, type SentinelBuckets } from './sentinel.buckets';
import { SentinelMetrics } from './sentinel.metrics';

export interface SentinelOptions {
  /** Default: a new id per start. */
  instanceId?: string;
  /** P; default env SENTINEL_PARTITIONS or 16. Every instance of a namespace must use the same P. */
  partitions?: number;
  /** Partition lease length, renewal period and safety margin (defaults 10 s, 2 s, 2 s). */
  leaseMs?: number;
  renewEveryMs?: number;
  safetyMs?: number;
  /** Dirty baselines and partition progress are persisted this often (default env SENTINEL_SNAPSHOT_EVERY_MS or 5 s). */
  snapshotEveryMs?: number;
  /**
   * An infection that others share (another agent showed one of its anomaly types within the fleet window)
   * waits this long before it is correlated with the fleet and sent (default 1 s), so the anomalies of agents
   * spiking at the same moment (scored a little later, or on another instance) are in. An isolated one is
   * sent at once.
   */
  correlationDelayMs?: number;
  /**
   * How long an infection may wait to learn whether it is isolated — for the other instances to report having
   * scored as far as this one (default 250 ms); past it, it is treated as shared and waits `correlationDelayMs`.
   */
  isolationMaxWaitMs?: number;
  /** A sent infection that the status KV never turned into a quarantine stops holding the agent after this (default 60 s). */
  holdTimeoutMs?: number;
  /** Heartbeat period, and how recent a heartbeat must be to count an instance as live (defaults 2 s, 5 s). */
  heartbeatEveryMs?: number;
  liveWindowMs?: number;
  /** Reply timeout of a ReportInfection attempt (default: the runtime's command timeout). */
  commandTimeoutMs?: number;
}

export interface SentinelStats {
  instanceId: string;
  partitions: number[];
  agents: number;
  scored: number;
  skippedNotOwned: number;
  skippedReplayed: number;
  invalid: number;
  infectionsSent: number;
  infectionsPending: number;
  /** Infections sent at once because no other agent showed the same anomaly (no correlation delay). */
  infectionsIsolated: number;
  /** Stream sequence of the last vital handled. */
  position: number;
  /** Agents with a baseline across the fleet, as fleet correlation counts them. */
  fleetAgentsWithBaseline: number;
}

export interface AgentView {
  agentId: string;
  partition: number;
  lastSeq: number;
  quarantined: boolean;
  held: boolean;
  baseline: BaselineSummary;
}

interface PendingInfection {
  agent: AgentState;
  infection: Infection;
  config: Readonly<DetectionConfig>;
  detectedAt: number;
  recentVitals: unknown[];
  baseline: BaselineSummary;
}

/** At most this many vitals behind the detecting batch are waited for before judging isolation. */
const ISOLATION_LOOKAHEAD = 256;

interface AwaitingIsolation {
  d: PendingInfection;
  /**
   * The stream position every instance must have scored before it is judged: the end of the batch that
   * detected it plus what was already in the stream behind it (capped); -1 until the batch ends.
   */
  position: number;
  deadline: number;
}

const QUARANTINED = new Set(['restricted', 'suspended', 'terminated']);
const SERIALIZE_CHUNK = 500;

/**
 * The sentinel's composition root, free of Nest. Partitions (FNV-1a of the agentId mod P) are leased in KV;
 * one ordered consumer reads every vital and scores those of owned partitions (`VitalsScorer`); baselines and
 * per-partition progress are persisted every few seconds and on hand-over, so a new owner continues without a
 * new warm-up; infections are correlated with the fleet (anomalies exchanged between instances) and sent as
 * `ReportInfection` commands without ever blocking scoring.
 */
export class SentinelService {
  private readonly instanceId: string;
  private readonly P: number;
  private readonly quarantinedIds = new Set<string>();
  private readonly settings = new PostureAwareSettings();
  /** The fleet posture in force (KV `posture`): observe mode, stricter thresholds, approval for every healing. */
  private readonly posture = new PostureWatch(this.settings);
  private settingsRevision = 0;
  private readonly heldAgents = new Set<AgentState>();
  private pending: PendingInfection[] = [];
  private awaitingIsolation: AwaitingIsolation[] = [];
  private readonly fleetWarnedAt = new Map<AnomalyType, number>();
  private readonly progressWritten = new Map<number, number>();
  private snapshotChain: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly watches: KvWatch[] = [];
  private infectionsSent = 0;
  private isolatedSent = 0;
  private handlerErrors = 0;
  private batchOpen = false;
  private batchLast: JsMsg | null = null;
  private batchStart = 0;
  private stopped = false;
  private readonly bytesPerAgent: number;

  private readonly names: Names;
  private readonly scorer: VitalsScorer;
  private readonly fleet: FleetExchange;
  private readonly sender: InfectionSender;
  private readonly feed: VitalsFeed;
  private readonly store: BaselineStore;
  private readonly metrics: SentinelMetrics;
  private readonly monitor: HeartbeatMonitor;
  private leases: PartitionLeases | null = null;
  private stopHeartbeat: () => void = () => undefined;

  private constructor(
    private readonly ctx: NatsContext,
    private readonly buckets: SentinelBuckets,
    private readonly statusKv: KV,
    private readonly log: LoopLogger,
    registry: Registry,
    private readonly config: RuntimeConfig,
    private readonly opts: SentinelOptions,
  ) {
    this.names = namesOf(config.namespace);
    this.instanceId = opts.instanceId ?? newId();
    this.P = opts.partitions ?? intFromEnv(process.env, 'SENTINEL_PARTITIONS', 16);
    if (!(this.P >= 1)) throw new Error(`SENTINEL_PARTITIONS must be at least 1 (got ${this.P})`);
    this.bytesPerAgent = estimateAgentBytes(createAgentBaseline().s.length, 24);
    this.scorer = new VitalsScorer(this.names, this.P, this.settings, this.quarantinedIds, {
      anomaly: (agent, type, ts) => this.fleet.record(agent.agentId, type, ts),
      infection: (agent, infection) => this.detected(agent, infection),
    });
    this.fleet = new FleetExchange(ctx.nc, this.names, this.instanceId, () => this.scorer.agentsWithBaseline(), {
      onRemote: () => this.checkIsolation(Date.now()),
    });
    this.sender = new InfectionSender(ctx.nc, this.names, (request, outcome) => this.sent(request, outcome), {
      timeoutMs: opts.commandTimeoutMs ?? config.commandTimeoutMs,
    });
    this.feed = new VitalsFeed(ctx.js, this.names.vitalsStream, (m) => this.onVital(m), log);
    this.store = new BaselineStore(ctx.js, ctx.jsm, ctx.nc, this.names.baselines, this.P);
    this.metrics = new SentinelMetrics(registry, {
      partitionsOwned: () => this.scorer.ownedPartitions().length,
      agentsInMemory: () => this.scorer.agents.size,
      bytesPerAgent: () => this.bytesPerAgent,
      position: () => this.scorer.position,
      isolated: () => this.isolatedSent,
    });
    this.monitor = new HeartbeatMonitor(ctx.nc, this.names);
  }

  static async start(config: RuntimeConfig, log: LoopLogger, registry: Registry, opts: SentinelOptions = {}): Promise<SentinelService> {
    const names = namesOf(config.namespace);
    const ctx = await connectNats(config.natsServers, 'immune-sentinel', { noAsyncTraces: true });
    try {
      const { status } = await provisionAll(ctx.nc, names);
      const buckets = await openSentinelBuckets(ctx.nc, names);
      const service = new SentinelService(ctx, buckets, status, log, registry, config, opts);
      await service.run();
      return service;
    } catch (e) {
      await ctx.nc.close().catch(() => undefined);
      throw e;
    }
  }

  get stats(): SentinelStats {
    const s = this.scorer;
    return {
      instanceId: this.instanceId,
      partitions: s.ownedPartitions(),
      agents: s.agents.size,
      scored: s.scored,
      skippedNotOwned: s.skippedNotOwned,
      skippedReplayed: s.skippedReplayed,
      invalid: s.invalid,
      infectionsSent: this.infectionsSent,
      infectionsPending: this.pending.length + this.awaitingIsolation.length + this.sender.pending,
      infectionsIsolated: this.isolatedSent,
      position: s.position,
      fleetAgentsWithBaseline: this.fleet.agentsWithBaseline(),
    };
  }

  /** What this instance knows of an agent it owns (null when not in memory here). */
  describeAgent(agentId: string): AgentView | null {
    const a = this.scorer.agents.get(agentId);
    if (!a) return null;
    return {
      agentId, partition: a.partition, lastSeq: a.lastSeq, quarantined: a.quarantined, held: a.held,
      baseline: describeBaseline(a.baseline, a.config ?? undefined),
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.feed.stop();
    this.closeBatch();
    // Leaving first: the others stop counting this instance and take the partitions as soon as they are free.
    this.fleet.stop();
    await this.leases?.stop(); // snapshot, then release every lease
    this.evaluate(true);
    await this.sender.drain(this.opts.commandTimeoutMs ?? this.config.commandTimeoutMs);
    this.stopHeartbeat();
    this.monitor.stop();
    for (const w of this.watches) w.stop();
    await this.ctx.nc.drain().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { nc } = this.ctx;
    this.watches.push(await watchKv(this.buckets.config, (e) => this.onSettings(e), { key: DETECTION_CONFIG_KEY }));
    this.watches.push(await this.posture.watch(this.buckets.config, this.log));
    this.watches.push(await watchKv(this.statusKv, (e) => this.onStatus(e)));
    this.fleet.start();
    this.monitor.start();
    this.stopHeartbeat = startHeartbeat(nc, this.names, 'sentinel', this.instanceId, this.opts.heartbeatEveryMs ?? 2000);
    const liveWindowMs = this.opts.liveWindowMs ?? 5000;
    this.leases = new PartitionLeases({
      kv: this.buckets.leases,
      owner: this.instanceId,
      partitions: this.P,
      leaseMs: this.opts.leaseMs,
      renewEveryMs: this.opts.renewEveryMs,
      safetyMs: this.opts.safetyMs,
      logger: this.log,
      liveInstances: () => {
        const live = new Set([this.instanceId]);
        for (const s of this.monitor.services(liveWindowMs)) if (s.service === 'sentinel' && !this.fleet.hasLeft(s.instance)) live.add(s.instance);
        return live.size;
      },
      onAcquired: (parts) => this.acquired(parts),
      onReleasing: (parts) => this.releasing(parts),
      onLost: (parts) => this.lost(parts),
    });
    await this.leases.start();
    this.every(this.opts.snapshotEveryMs ?? intFromEnv(process.env, 'SENTINEL_SNAPSHOT_EVERY_MS', 5000), () => void this.snapshot(null).catch((e: unknown) => this.log.error({ err: String(e) }, 'baseline snapshot failed')));
    this.every(Math.max(20, Math.min(100, (this.opts.correlationDelayMs ?? 1000) / 4)), () => this.evaluate(false));
    this.log.info({ instance: this.instanceId, partitions: this.P, owned: this.scorer.ownedPartitions() }, 'sentinel ready');
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  // ---- hot path -------------------------------------------------------------------------------------------

  private onVital(m: JsMsg): void {
    if (!this.batchOpen) {
      this.batchOpen = true;
      this.batchStart = performance.now();
      setImmediate(() => this.closeBatch());
    }
    this.batchLast = m;
    try {
      this.scorer.handle(m);
    } catch (e) {
      // A throw would stop the consumer: count it, say it now and then, go on.
      if (this.handlerErrors++ % 1000 === 0) this.log.error({ err: e instanceof Error ? e.message : String(e), subject: m.subject }, 'scoring a vital failed');
    }
  }

  private closeBatch(): void {
    if (!this.batchOpen) return;
    this.batchOpen = false;
    this.metrics.batchSeconds.observe((performance.now() - this.batchStart) / 1000);
    this.metrics.flush(this.scorer);
    this.fleet.flush(this.scorer.position);
    const last = this.batchLast;
    this.batchLast = null;
    if (this.awaitingIsolation.length > 0) {
      // The vitals already in the stream behind this batch (up to ISOLATION_LOOKAHEAD) count too: agents
      // spiking in the same moment may sit just behind it, here or on another instance.
      let pending = 0;
      try {
        pending = last ? last.info.pending : 0;
      } catch {
        pending = 0;
      }
      const target = this.scorer.position + Math.min(Math.max(0, pending), ISOLATION_LOOKAHEAD);
      for (const w of this.awaitingIsolation) if (w.position < 0) w.position = target;
      this.checkIsolation(Date.now());
    }
  }

  // ---- partitions -----------------------------------------------------------------------------------------

  private async acquired(parts: number[]): Promise<void> {
    const end = (await this.ctx.jsm.streams.info(this.names.vitalsStream)).state.last_seq;
    const loaded = await this.store.load(new Set(parts));
    const floors = new Map<number, number>();
    const fresh: number[] = [];
    for (const p of parts) {
      let floor = loaded.progress.get(p);
      if (floor === undefined) {
        const agents = loaded.agents.get(p) ?? [];
        // No progress under this P: from the oldest agent snapshot if there are any, else from now.
        floor = agents.length > 0 ? Math.min(...agents.map((x) => x.stored.lastSeq)) : end;
        fresh.push(p);
      }
      floors.set(p, floor);
    }
    const start = Math.min(...floors.values()) + 1;
    const rewind = !this.feed.isRunning || start <= this.scorer.position;
    // Rewinding: stop the consumer before the partitions count as owned, so no vital of theirs is scored
    // ahead of the older ones the replay brings.
    if (rewind) await this.feed.stop();
    let restored = 0;
    for (const p of parts) {
      // Lost while loading (the lease guard fired): not ours to score.
      if (this.leases && !this.leases.owns(p)) continue;
      for (const { agentId, stored } of loaded.agents.get(p) ?? []) {
        const baseline = restoreBaseline(stored.snapshot);
        if (!baseline) continue;
        this.scorer.adopt(agentId, p, baseline, stored.lastSeq);
        restored++;
      }
      this.scorer.own(p, floors.get(p) ?? end);
    }
    if (fresh.length > 0) {
      // Record where scoring starts, so an owner after a crash before the first snapshot starts there too.
      await this.store.write(fresh.map((p) => [progressKey(p), JSON.stringify(progress(floors.get(p) ?? end, this.P))] as const));
    }
    if (rewind) {
      const from = this.feed.isRunning ? start : Math.min(start, ...this.scorer.ownedPartitions().map((p) => (this.scorer.floor[p] ?? 0) + 1));
      this.scorer.position = from - 1;
      await this.feed.startAt(from);
    }
    this.log.info({ partitions: parts, restored, read: loaded.read, from: rewind ? start : null }, 'partitions loaded');
  }

  private async releasing(parts: number[]): Promise<void> {
    this.scorer.disown(parts);
    await this.snapshot(parts);
    this.scorer.forget(parts);
  }

  private lost(parts: number[]): void {
    this.scorer.disown(parts);
    this.scorer.forget(parts);
  }

  // ---- snapshots ------------------------------------------------------------------------------------------

  /** Persists the dirty baselines of `only` (released partitions) or of every owned partition, then their progress. */
  private snapshot(only: number[] | null): Promise<void> {
    const run = this.snapshotChain.then(() => this.writeSnapshot(only));
    this.snapshotChain = run.catch(() => undefined);
    return run;
  }

  private async writeSnapshot(only: number[] | null): Promise<void> {
    const parts = only ?? this.scorer.ownedPartitions();
    if (parts.length === 0) return;
    const scope = new Set(parts);
    // Everything at or below `position` is scored; every agent dirty now is captured below (later changes
    // make it dirty again), so `position` is a safe progress for every partition in scope.
    const position = this.scorer.position;
    const dirty: AgentState[] = [];
    for (const a of this.scorer.agents.values()) {
      if (a.dirty && scope.has(a.partition)) {
        a.dirty = false;
        dirty.push(a);
      }
    }
    const entries: Array<readonly [string, string]> = [];
    for (let i = 0; i < dirty.length; i++) {
      const a = dirty[i] as AgentState;
      const stored: StoredBaseline = { partition: a.partition, lastSeq: a.lastSeq, snapshot: snapshotBaseline(a.baseline) };
      entries.push([a.agentId, JSON.stringify(stored)]);
      if (i % SERIALIZE_CHUNK === SERIALIZE_CHUNK - 1) await new Promise<void>((r) => setImmediate(r)); // let scoring run
    }
    // A partition lost meanwhile belongs to someone else now: write nothing more for it.
    const stillMine = (p: number) => only !== null || this.scorer.owned[p] === 1;
    const failed = await this.store.write(entries.filter((_, i) => stillMine((dirty[i] as AgentState).partition)));
    const failedParts = new Set<number>();
    for (const a of dirty) {
      if (failed.has(a.agentId)) {
        a.dirty = true;
        failedParts.add(a.partition);
      }
    }
    const progressAt = new Map<string, [number, number]>();
    for (const p of parts) {
      const at = Math.max(this.scorer.floor[p] ?? 0, position);
      if (failedParts.has(p) || !stillMine(p) || this.progressWritten.get(p) === at) continue;
      progressAt.set(progressKey(p), [p, at]);
    }
    const failedProgress = await this.store.write([...progressAt].map(([key, [, at]]) => [key, JSON.stringify(progress(at, this.P))] as const));
    for (const [key, [p, at]] of progressAt) if (!failedProgress.has(key)) this.progressWritten.set(p, at);
    if (failed.size + failedProgress.size > 0) this.log.warn({ baselines: failed.size, progress: failedProgress.size }, 'some snapshots were not written; retried next time');
  }

  // ---- infections -----------------------------------------------------------------------------------------

  /**
   * Called by the scorer (hot path). An isolated infection — no other agent showed any of its anomaly types
   * within the fleet window, or too few agents have a baseline for fleet correlation — is correlated and sent
   * at once. Only when others show the same anomaly does it wait `correlationDelayMs`, so the anomalies of
   * agents spiking at the same moment (scored a little later, or on another instance) are in before deciding
   * whether it is fleet-wide.
   */
  private detected(agent: AgentState, infection: Infection): void {
    this.heldAgents.add(agent);
    const config = agent.config ?? this.settings.resolve(agent.agentType);
    const now = Date.now();
    const d: PendingInfection = {
      agent, infection, config, detectedAt: now, recentVitals: agent.recentVitals(), baseline: describeBaseline(agent.baseline, config),
    };
    if (this.fleet.agentsWithBaseline() < config.fleetMinAgents) {
      // Too few agents for fleet correlation: nothing to wait for.
      this.isolatedSent++;
      this.dispatch(d, this.fleet.correlate(now, config), now);
      return;
    }
    // Decided at the end of this scoring batch (the vitals scored with it count), once the other instances
    // have scored as far: see checkIsolation.
    this.awaitingIsolation.push({ d, position: -1, deadline: now + (this.opts.isolationMaxWaitMs ?? 250) });
  }

  /**
   * Isolated (no other agent showed one of its anomaly types within the fleet window, as far as this instance
   * and every other live one have scored) → sent at once; shared → waits `correlationDelayMs`; not known by
   * the deadline (another instance lags) → treated as shared.
   */
  private checkIsolation(now: number): void {
    if (this.awaitingIsolation.length === 0) return;
    const still: AwaitingIsolation[] = [];
    for (const w of this.awaitingIsolation) {
      if (w.position < 0) {
        still.push(w);
        continue;
      }
      const { d } = w;
      const types = d.infection.anomalies.map((a) => a.type);
      if (this.fleet.othersShowing(d.agent.agentId, types, now, d.config.fleetWindowMs) || now > w.deadline) {
        this.pending.push(d);
      } else if (this.scorer.position >= w.position && this.fleet.othersReached(w.position)) {
        this.isolatedSent++;
        this.dispatch(d, this.fleet.correlate(now, d.config), now);
      } else {
        still.push(w);
      }
    }
    this.awaitingIsolation = still;
  }

  /** Sends the infections whose correlation delay is over (all of them when `all`), and ends stale holds. */
  private evaluate(all: boolean): void {
    const now = Date.now();
    if (all) {
      for (const w of this.awaitingIsolation) this.pending.push(w.d);
      this.awaitingIsolation = [];
    } else {
      this.checkIsolation(now);
    }
    if (this.pending.length > 0) {
      const delay = this.opts.correlationDelayMs ?? 1000;
      const due = all ? this.pending : this.pending.filter((d) => d.detectedAt + delay <= now);
      this.pending = all ? [] : this.pending.filter((d) => d.detectedAt + delay > now);
      const correlations = new Map<Readonly<DetectionConfig>, FleetCorrelation>();
      for (const d of due) {
        let fleet = correlations.get(d.config);
        if (!fleet) correlations.set(d.config, (fleet = this.fleet.correlate(now, d.config)));
        this.dispatch(d, fleet, now);
      }
    }
    const holdTimeoutMs = this.opts.holdTimeoutMs ?? 60_000;
    for (const a of this.heldAgents) {
      if (!a.held) {
        this.heldAgents.delete(a);
      } else if (!a.quarantined && !a.quarantineSeen && now - a.heldSince > holdTimeoutMs && !this.pending.some((d) => d.agent === a) && !this.awaitingIsolation.some((w) => w.d.agent === a)) {
        // The infection never became a quarantine (refused, or the command was lost): judge the agent afresh.
        a.held = false;
        this.heldAgents.delete(a);
      }
    }
  }

  /** Applies the fleet's picture to one infection and sends it: fleet-wide ones are recorded, not enforced. */
  private dispatch(d: PendingInfection, fleet: FleetCorrelation, now: number): void {
    const applied = applyFleetCorrelation(d.infection, fleet);
    if (applied === null) {
      this.warnFleetWide(fleet, d.config, now);
      // Recorded, not quarantined: the agent goes on learning (its anomalous samples are never learned).
      d.agent.held = false;
      d.agent.quietUntil = now + d.config.fleetWindowMs;
      this.heldAgents.delete(d.agent);
      this.report(d, d.infection, false, true);
    } else if (!this.posture.effects.enforce) {
      // Observe mode: recorded (enforced: false), never enforced; the agent keeps working and is judged afresh.
      d.agent.held = false;
      d.agent.quietUntil = now + d.config.fleetWindowMs;
      this.heldAgents.delete(d.agent);
      this.report(d, applied, false, false);
    } else {
      d.agent.heldSince = now;
      this.report(d, applied, true, false);
    }
  }

  private report(d: PendingInfection, infection: Infection, enforce: boolean, fleetWide: boolean): void {
    const detectionId = newId();
    const request: InfectionRequest = {
      commandId: `infection:${d.agent.agentId}:${detectionId}`,
      agentId: d.agent.agentId,
      actor: 'sentinel',
      command: {
        type: 'ReportInfection',
        detectionId,
        quarantineId: newId(),
        anomalies: infection.anomalies.map((a) => ({ type: a.type, metric: a.metric, sigma: a.sigma })),
        deviation: infection.deviation,
        severity: infection.severity,
        diagnoses: infection.diagnoses,
        requiresApproval: infection.requiresApproval || this.posture.effects.healingNeedsApproval,
        enforce,
        fleetWide,
        forensic: { recentVitals: d.recentVitals, baseline: d.baseline, diagnoses: infection.diagnoses },
      },
    };
    this.sender.send(request);
  }

  private sent(request: InfectionRequest, outcome: SendOutcome): void {
    const c = request.command;
    if (outcome.ok) {
      this.infectionsSent++;
      this.metrics.infections.inc({ severity: c.severity, enforced: String(c.enforce) });
      return;
    }
    this.metrics.infectionFailures.inc();
    this.log.error({ agentId: request.agentId, detectionId: c.detectionId, reason: outcome.reason }, 'ReportInfection failed');
  }

  private warnFleetWide(fleet: FleetCorrelation, config: Readonly<DetectionConfig>, now: number): void {
    for (const signal of fleet.fleetWide) {
      const last = this.fleetWarnedAt.get(signal.type) ?? 0;
      if (now - last < config.fleetWindowMs) continue;
      this.fleetWarnedAt.set(signal.type, now);
      this.log.warn(
        { type: signal.type, agents: signal.agentIds.length, fraction: signal.fraction, confidence: signal.confidence },
        `fleet-wide ${signal.type}: threat confidence ${signal.confidence.toFixed(2)}`,
      );
    }
  }

  // ---- status and settings --------------------------------------------------------------------------------

  private onStatus(e: KvEntry): void {
    const agentId = e.key;
    let status: unknown = null;
    if (e.operation === 'PUT') {
      try {
        status = e.json<{ status?: unknown }>().status;
      } catch {
        status = null;
      }
    }
    const a = this.scorer.agents.get(agentId);
    if (typeof status === 'string' && QUARANTINED.has(status)) {
      this.quarantinedIds.add(agentId);
      if (a) {
        a.quarantined = true;
        if (a.held) a.quarantineSeen = true;
      }
      return;
    }
    const was = this.quarantinedIds.delete(agentId);
    if (!a) return;
    const wasHere = a.quarantined;
    a.quarantined = false;
    if (was || wasHere || (a.held && a.quarantineSeen)) {
      // Back to active (released, or healed after probation): a fresh detection window on what was learned.
      resetWindow(a.baseline);
      a.dirty = true;
      a.held = false;
      a.quarantineSeen = false;
      this.heldAgents.delete(a);
    }
  }

  private onSettings(e: KvEntry): void {
    if (e.revision < this.settingsRevision) return;
    this.settingsRevision = e.revision;
    if (e.operation !== 'PUT') {
      this.settings.set({});
      this.log.info({}, 'detection settings removed: defaults apply');
      return;
    }
    let value: unknown;
    try {
      value = e.json();
    } catch {
      this.log.warn({ revision: e.revision }, 'detection settings ignored: not valid JSON');
      return;
    }
    const checked = parseDetectionSettings(value, { allowMetadata: true });
    if (!checked.ok) {
      this.log.warn({ revision: e.revision, reason: checked.reason }, 'detection settings ignored: invalid');
      return;
    }
    this.settings.set(checked.settings);
    this.log.info({ revision: e.revision }, 'detection settings applied');
  }
}

function progress(lastSeq: number, partitions: number): PartitionProgress {
  return { lastSeq, partitions };
}
