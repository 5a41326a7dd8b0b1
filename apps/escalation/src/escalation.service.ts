import type { Subscription } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  POSTURE_KEY,
  names as namesOf,
  profileRank,
  postureEffects,
  type AgentCommandReply,
  type AgentCommandRequest,
  type EscalationCommandReply,
  type EscalationCommandRequest,
  type Names,
  type PostureState,
  type StoredEvent,
} from '@immune/contracts';
import { activeEscalations, assessThreat, decideAutomatic } from '@immune/domain-escalation';
import { EventStore, connectNats, openConfigBucket, provisionAll, startHeartbeat, type LoopLogger, type NatsContext } from '@immune/platform-jetstream';
import { intFromEnv, newId, type RuntimeConfig } from '@immune/platform-runtime';
import { EscalationCommandHandler } from './commands/escalation-command.handler';
import { LogFollower } from './log/log-follower';
import { PostureBook } from './posture/posture-book';
import { FleetWatch } from './threats/fleet-watch';
import { Scheduler } from './timers/scheduler';

export interface EscalationServiceOptions {
  /** Fleet-wide anomalies count toward the threat for this long (default env ESCALATION_THREAT_WINDOW_MS or 30 s). */
  threatWindowMs?: number;
  /** An automatic escalation ends (threat_resolved) after this long without a fleet-wide anomaly (env ESCALATION_QUIET_MS, default 10 min). */
  quietMs?: number;
  /** How often the threat is assessed (env ESCALATION_TICK_MS, default 1 s). */
  tickMs?: number;
  /** Retry delay of a failed timer action (default 2 s). */
  retryMs?: number;
  instanceId?: string;
}

/**
 * The escalation service's composition root, free of Nest. Everything it knows comes from the event log,
 * followed from sequence 1 at every start: the posture (escalations and the resting posture), the TTL timers,
 * the quarantines that expire and the fleet-wide anomalies. It is the only writer of the posture KV key.
 * Runs as one instance per namespace (its timers live in memory; a second instance would only be a hot spare
 * whose appends conflict and dedupe, never double-fire, thanks to deterministic command ids).
 */
export class EscalationService {
  private readonly scheduler = new Scheduler();
  private subscription: Subscription | null = null;
  private stopHeartbeat: () => void = () => undefined;
  private tick: NodeJS.Timeout | null = null;
  private ready = false;
  private stopped = false;
  private kvChain: Promise<void> = Promise.resolve();
  private lastWritten: string | null = null;
  private ticking = false;
  private lastAutomaticNote = '';
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly book = new PostureBook();
  readonly fleet: FleetWatch;
  readonly handler: EscalationCommandHandler;
  private readonly follower: LogFollower;
  private readonly names: Names;
  private readonly threatWindowMs: number;
  private readonly quietMs: number;
  private readonly tickMs: number;
  private readonly retryMs: number;

  private constructor(
    private readonly ctx: NatsContext,
    private readonly config: KV,
    private readonly log: LoopLogger,
    registry: Registry,
    runtime: RuntimeConfig,
    private readonly opts: EscalationServiceOptions,
  ) {
    this.names = namesOf(runtime.namespace);
    this.threatWindowMs = opts.threatWindowMs ?? intFromEnv(process.env, 'ESCALATION_THREAT_WINDOW_MS', 30_000);
    this.quietMs = opts.quietMs ?? intFromEnv(process.env, 'ESCALATION_QUIET_MS', 600_000);
    this.tickMs = opts.tickMs ?? intFromEnv(process.env, 'ESCALATION_TICK_MS', 1000);
    this.retryMs = opts.retryMs ?? 2000;
    this.fleet = new FleetWatch(Math.max(this.threatWindowMs, 60_000));
    const commands = new Counter({
      name: 'immune_escalation_commands_total',
      help: 'Escalation commands handled, by type and outcome',
      labelNames: ['type', 'outcome', 'code'],
      registers: [registry],
    });
    const book = this.book;
    const fleet = this.fleet;
    new Gauge({
      name: 'immune_posture_rank',
      help: 'Fleet posture in force: 0 observer, 1 operator, 2 guardian, 3 phoenix, 4 sovereign',
      registers: [registry],
      collect() {
        this.set(profileRank(book.posture().current));
      },
    });
    new Gauge({
      name: 'immune_escalations_active',
      help: 'Posture escalations in force',
      registers: [registry],
      collect() {
        this.set(activeEscalations(book.state).length);
      },
    });
    new Gauge({
      name: 'immune_quarantines_expiring',
      help: 'Open quarantines with an expiry the service watches',
      registers: [registry],
      collect() {
        this.set(fleet.expiring.size);
      },
    });
    this.follower = new LogFollower(ctx.js, ctx.jsm, this.names.eventsStream, (e) => this.onEvent(e), log);
    this.handler = new EscalationCommandHandler(new EventStore(ctx.nc, this.names), this.book, (seq) => this.appliedAndPublished(seq), () => new Date(), (type, outcome, code) =>
      commands.inc({ type, outcome, code: code ?? '' }),
    );
  }

  static async start(runtime: RuntimeConfig, log: LoopLogger, registry: Registry, opts: EscalationServiceOptions = {}): Promise<EscalationService> {
    const names = namesOf(runtime.namespace);
    const ctx = await connectNats(runtime.natsServers, 'immune-escalation');
    try {
      await provisionAll(ctx.nc, names);
      const config = await openConfigBucket(ctx.nc, names);
      const service = new EscalationService(ctx, config, log, registry, runtime, opts);
      await service.run(opts.instanceId ?? newId());
      return service;
    } catch (e) {
      await ctx.nc.close().catch(() => undefined);
      throw e;
    }
  }

  private async run(instanceId: string): Promise<void> {
    await this.follower.start();
    this.ready = true;
    await this.writePosture(true);
    this.armEscalationTimers();
    this.armExpiryTimers();
    this.subscription = this.ctx.nc.subscribe(this.names.escalationCommands, {
      queue: 'escalation',
      callback: (err, msg) => {
        if (err) {
          this.log.error({ err: String(err) }, 'command subscription failed');
          return;
        }
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          body = null;
        }
        this.track(
          this.handler
            .handle(body)
            .then((reply) => msg.respond(JSON.stringify(reply)))
            .catch((e: unknown) => {
              this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'escalation command failed');
              msg.respond(JSON.stringify({ ok: false, error: { code: 'INTERNAL', title: 'Internal error', detail: 'The command could not be handled; it may be retried with the same commandId.' } }));
            }),
        );
      },
    });
    this.tick = setInterval(() => void this.assess(), this.tickMs);
    this.tick.unref();
    this.stopHeartbeat = startHeartbeat(this.ctx.nc, this.names, 'escalation', instanceId);
    const p = this.book.posture();
    this.log.info({ subject: this.names.escalationCommands, current: p.current, baseline: p.baseline, timers: this.scheduler.keys().length }, 'escalation service ready');
  }

  /**
   * Resolves once the follower applied `seq` and the posture it implies is in the KV: a command is answered only
   * when every service watching the key can see its effect.
   */
  private async appliedAndPublished(seq: number): Promise<boolean> {
    const applied = await this.follower.waitFor(seq);
    await this.kvChain;
    return applied;
  }

  /** Timer keys armed now (for specs and logs). */
  get timers(): string[] {
    return this.scheduler.keys();
  }

  /** Sends one command through the same path the gateway uses (for the service's own decisions and for specs). */
  command(request: EscalationCommandRequest): Promise<EscalationCommandReply> {
    return this.track(this.handler.handle(request));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopHeartbeat();
    if (this.tick) clearInterval(this.tick);
    this.scheduler.stop();
    this.subscription?.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
    await this.follower.stop();
    await this.kvChain;
    await this.ctx.nc.drain().catch(() => undefined);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  // ---- the log --------------------------------------------------------------------------------------------

  private onEvent(e: StoredEvent): void {
    if (this.book.handles(e)) {
      const changed = this.book.apply(e);
      if (!this.ready) return;
      if (changed) {
        void this.writePosture(false);
        this.armExpiryTimers(); // guardian and above hold automatic releases
      }
      this.armEscalationTimers();
      return;
    }
    if (this.fleet.apply(e) && this.ready) this.armExpiryTimers();
  }

  /** Writes the posture in force to the KV (only when it changed, or at start). Writes stay in order. */
  private writePosture(force: boolean): Promise<void> {
    const state: PostureState = this.book.posture();
    const value = JSON.stringify(state);
    const run = this.kvChain.then(async () => {
      if (!force && value === this.lastWritten) return;
      try {
        await this.config.put(POSTURE_KEY, value);
        this.lastWritten = value;
        this.log.info({ current: state.current, baseline: state.baseline, version: state.version }, 'posture in force');
      } catch (e) {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'writing the posture failed; retrying');
        if (!this.stopped) setTimeout(() => void this.writePosture(true), this.retryMs).unref();
      }
    });
    this.kvChain = run;
    return run;
  }

  // ---- escalation TTLs ------------------------------------------------------------------------------------

  private armEscalationTimers(): void {
    const keep = new Set<string>();
    for (const rec of activeEscalations(this.book.state)) {
      if (rec.expiresAt === null) continue;
      const key = `esc:${rec.escalationId}`;
      keep.add(key);
      this.scheduler.arm(key, Date.parse(rec.expiresAt), () => void this.expireEscalation(rec.escalationId, rec.ttlSeconds));
    }
    this.scheduler.retain('esc:', keep);
  }

  private async expireEscalation(escalationId: string, ttlSeconds: number | null): Promise<void> {
    if (this.stopped) return;
    // Deterministic command id: the event id is `timeout:{id}:0`, so a double fire (a restart, a second
    // instance) is stored once, and the decider refuses an escalation that already ended.
    const reply = await this.command({
      commandId: `timeout:${escalationId}`,
      actor: 'escalation',
      actorRole: 'service',
      command: { type: 'DeescalateEscalation', escalationId, deescalationType: 'timeout_expired', reason: `its TTL of ${ttlSeconds ?? 0} s expired` },
    }).catch((e: unknown) => ({ ok: false as const, error: { code: 'INTERNAL' as const, title: 'Internal error', detail: e instanceof Error ? e.message : String(e) } }));
    if (reply.ok) {
      if (reply.sequences.length > 0) this.log.info({ escalationId, current: reply.current }, 'escalation expired');
      return;
    }
    if (reply.error.code === 'ESCALATION.NOT_ACTIVE' || reply.error.code === 'ESCALATION.NOT_FOUND') return;
    this.log.warn({ escalationId, code: reply.error.code, detail: reply.error.detail }, 'expiring an escalation failed; retrying');
    if (!this.stopped) this.scheduler.arm(`retry:esc:${escalationId}`, Date.now() + this.retryMs, () => void this.expireEscalation(escalationId, ttlSeconds));
  }

  // ---- quarantine expiry ----------------------------------------------------------------------------------

  private armExpiryTimers(): void {
    const keep = new Set<string>();
    // Guardian and above: no automatic release; expired quarantines are released once the posture allows it.
    if (postureEffects(this.book.posture().current).autoRelease) {
      for (const q of this.fleet.expiring.values()) {
        const key = `qx:${q.agentId}:${q.quarantineId}`;
        keep.add(key);
        this.scheduler.arm(key, q.expiresAt, () => void this.releaseExpired(q.agentId, q.quarantineId));
      }
    }
    this.scheduler.retain('qx:', keep);
  }

  private async releaseExpired(agentId: string, quarantineId: string): Promise<void> {
    const q = this.fleet.expiring.get(agentId);
    if (this.stopped || !q || q.quarantineId !== quarantineId) return;
    const request: AgentCommandRequest = {
      commandId: `expire:${quarantineId}`,
      agentId,
      actor: 'escalation',
      // The version we saw: a release decided on an older view of the agent (e.g. a new quarantine) is refused.
      expectedVersion: this.fleet.versions.get(agentId),
      command: { type: 'ReleaseAgent', resolution: 'expired' },
    };
    let retry = false;
    try {
      const msg = await this.ctx.nc.request(this.names.agentCommands, JSON.stringify(request), { timeout: 5000 });
      const reply = msg.json<AgentCommandReply>();
      if (reply.ok) {
        // Released (its AgentReleased follows in the log): never again from this entry.
        if (this.fleet.expiring.get(agentId)?.quarantineId === quarantineId) this.fleet.expiring.delete(agentId);
        this.log.info({ agentId, quarantineId }, 'expired quarantine released');
      } else if (reply.error.code === 'QUARANTINE.NOT_ACTIVE' || reply.error.code === 'AGENT.TERMINATED' || reply.error.code === 'AGENT.NOT_FOUND') {
        if (this.fleet.expiring.get(agentId)?.quarantineId === quarantineId) this.fleet.expiring.delete(agentId);
      } else {
        retry = true; // VERSION_MISMATCH (the follower catches up meanwhile), conflicts, internal errors
      }
    } catch (e) {
      retry = true;
      this.log.warn({ agentId, err: e instanceof Error ? e.message : String(e) }, 'releasing an expired quarantine failed; retrying');
    }
    if (retry && !this.stopped) this.scheduler.arm(`qx:${agentId}:${quarantineId}`, Date.now() + Math.min(this.retryMs, 500), () => void this.releaseExpired(agentId, quarantineId));
  }

  // ---- automatic escalation and threat_resolved -----------------------------------------------------------

  private async assess(): Promise<void> {
    if (this.ticking || this.stopped || !this.ready) return;
    this.ticking = true;
    try {
      const now = Date.now();
      const recent = this.fleet.recent(now);
      const assessment = assessThreat(recent, this.fleet.fleetSize, now, this.threatWindowMs);
      const action = decideAutomatic(this.book.state, assessment, this.fleet.lastThreatAt, now, this.quietMs);
      if (action.kind === 'none') {
        if (assessment.agents > 0 && action.reason !== this.lastAutomaticNote) {
          this.lastAutomaticNote = action.reason;
          this.log.info({ confidence: assessment.confidence, agents: assessment.agents, fleet: assessment.fleetSize }, `no automatic escalation: ${action.reason}`);
        }
        return;
      }
      if (action.kind === 'escalate') {
        const latest = recent[recent.length - 1];
        const trigger = (latest?.detectionId ?? String(now)).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
        const a = action.assessment;
        const reply = await this.command({
          commandId: `threat:${trigger}`,
          actor: 'escalation',
          actorRole: 'service',
          command: {
            type: 'RequestEscalation',
            escalationId: `threat-${trigger}`,
            toProfile: 'guardian',
            escalationType: 'threat_detected',
            reason: `fleet-wide anomaly on ${a.agents} of ${a.fleetSize} agents (threat confidence ${a.confidence.toFixed(2)})`,
            context: { confidence: a.confidence, fraction: a.fraction, agents: a.agents, fleetSize: a.fleetSize, windowMs: this.threatWindowMs },
          },
        });
        if (reply.ok) {
          if (reply.sequences.length > 0) this.log.warn({ escalationId: reply.escalation?.escalationId, confidence: a.confidence }, 'automatic escalation operator → guardian');
        } else if (reply.error.code !== this.lastAutomaticNote) {
          this.lastAutomaticNote = reply.error.code;
          this.log.warn({ code: reply.error.code, detail: reply.error.detail }, 'automatic escalation refused');
        }
        return;
      }
      for (const escalationId of action.escalationIds) {
        const reply = await this.command({
          commandId: `resolved:${escalationId}`,
          actor: 'escalation',
          actorRole: 'service',
          command: { type: 'DeescalateEscalation', escalationId, deescalationType: 'threat_resolved', reason: `no fleet-wide anomaly for ${Math.round(this.quietMs / 1000)} s` },
        });
        if (reply.ok) this.log.info({ escalationId, current: reply.current }, 'threat resolved: de-escalated');
        else this.log.warn({ escalationId, code: reply.error.code }, 'threat_resolved de-escalation refused');
      }
    } catch (e) {
      this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'threat assessment failed');
    } finally {
      this.ticking = false;
    }
  }
}
