import { Counter, Gauge, type Registry } from 'prom-client';
import { names as namesOf, postureEffects, type StoredEvent } from '@immune/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { ConsumerLoop, EventStore, connectNats, openBucket, openConfigBucket, decodeEvent, parseEnvelope, provisionAll, startHeartbeat, type LoopLogger, type NatsContext } from '@immune/platform-jetstream';
import { newId, type RuntimeConfig } from '@immune/platform-runtime';
import { loadHealerSettings, type HealerSettings } from './healer.config';
import { HealingLeases } from './leases/healing-leases';
import { FleetPatternsSource } from './memory/fleet-patterns.source';
import { PostureWatch } from '@immune/platform-partitions';
import { ProbationWatcher } from './probation/probation.watcher';
import { AgentChannelClient } from './workflow/agent-channel.client';
import { AgentCommandsClient } from './workflow/agent-commands.client';
import { HealingRunner } from './workflow/healing.runner';
import { handleTrigger } from './workflow/healing-trigger';

export { TRIGGER_EVENT_TYPES } from './workflow/healing-trigger';

/**
 * The healer's composition root, free of Nest: a durable consumer of agent events that kicks the runner on
 * triggers, the per-agent leases, the sweep that resumes agents of dead instances, the posture watch and the
 * fleet-wide patterns.
 */
export class HealerService {
  private constructor(
    private readonly ctx: NatsContext,
    private readonly loop: ConsumerLoop<StoredEvent>,
    readonly runner: HealingRunner,
    private readonly leases: HealingLeases,
    private readonly posture: PostureWatch,
    private readonly patterns: FleetPatternsSource,
    private readonly sweepTimer: NodeJS.Timeout,
    private readonly stopHeartbeat: () => void,
  ) {}

  static async start(config: RuntimeConfig, log: LoopLogger, registry: Registry, overrides: Partial<HealerSettings> = {}): Promise<HealerService> {
    const settings = { ...loadHealerSettings(), ...overrides };
    const names = namesOf(config.namespace);
    const instance = newId();
    const ctx = await connectNats(config.natsServers, 'immune-healer');
    await provisionAll(ctx.nc, names);
    const [leaseKv, baselines, configKv] = await Promise.all([
      openBucket(ctx.nc, names.healingLeases),
      openBucket(ctx.nc, names.baselines),
      openConfigBucket(ctx.nc, names),
    ]);

    const steps = new Counter({ name: 'immune_healer_steps_total', help: 'Healing workflow steps, by kind', labelNames: ['kind'], registers: [registry] });
    const outcomes = new Counter({ name: 'immune_healer_outcomes_total', help: 'Healing outcomes, by kind', labelNames: ['outcome'], registers: [registry] });
    const active = new Gauge({ name: 'immune_healer_active_healings', help: 'Agents this instance is healing now', registers: [registry] });

    const runnerRef: { runner: HealingRunner | null } = { runner: null };
    const leases = new HealingLeases({
      kv: leaseKv,
      owner: instance,
      leaseMs: settings.leaseMs,
      onLost: (agentId) => log.warn({ agentId }, 'healing lease lost; another instance resumes the agent'),
    });
    leases.start();
    const patterns = FleetPatternsSource.create(config.databaseUrl, names.pgSchema, settings.patternsRefreshMs, () => undefined);
    await patterns.start();
    let postureReady = false;
    // Automatic quarantines a posture held back (phoenix/sovereign) heal once it allows: look at them again.
    const lookAtHeldBack = (why: string): void => {
      const effects = postureEffects(posture.current.current);
      if (effects.healingNeedsApproval || effects.humanOnly) return;
      void patterns.idleQuarantined().then(async (ids) => {
        for (const agentId of ids) await runnerRef.runner?.kick(agentId).catch(() => undefined);
        if (ids.length > 0) log.info({ agents: ids.length }, `${why}: looking at idle automatic quarantines again`);
      });
    };
    const posture = new PostureWatch(configKv, (p) => {
      log.info({ posture: p.current }, 'posture changed');
      if (postureReady) lookAtHeldBack('posture lifted');
    });
    await posture.start();
    postureReady = true;

    const store = new EventStore(ctx.nc, names);
    const jsm = await jetstreamManager(ctx.nc, { checkAPI: false });
    const runner = new HealingRunner({
      store,
      readAgent: async (agentId) => {
        const subject = names.agentEvents(agentId);
        const out: StoredEvent[] = [];
        // STREAM.MSG.GET with next_by_subj (NATS ≥ 2.9): one request per event, no consumer to create.
        for (let seq = 1; ; ) {
          const m = await jsm.streams.getMessage(names.eventsStream, { seq, next_by_subj: subject } as unknown as { seq: number });
          if (m === null) return out;
          out.push({ seq: m.seq, subject: m.subject, envelope: parseEnvelope(m.data) });
          seq = m.seq + 1;
        }
      },
      fetchEvent: async (seq) => {
        const m = await jsm.streams.getMessage(names.eventsStream, { seq });
        if (m === null) throw new Error(`event ${seq} not found`);
        return { seq: m.seq, subject: m.subject, envelope: parseEnvelope(m.data) };
      },
      leases,
      commands: new AgentCommandsClient(ctx.nc, names, 'healer', Math.max(config.commandTimeoutMs, 5000)),
      channel: new AgentChannelClient(ctx.nc, names, settings.agentTimeoutMs),
      probation: new ProbationWatcher(ctx.nc, names, baselines, { vitalsNeeded: settings.probationVitals, silenceMs: settings.probationSilenceMs }),
      posture: () => posture.current,
      fleet: () => patterns.get(),
      policy: { autoTerminate: settings.autoTerminate },
      newId: () => newId(),
      log,
      metrics: {
        step: (kind) => steps.inc({ kind }),
        outcome: (outcome) => outcomes.inc({ outcome }),
        active: (n) => active.set(n),
      },
    });
    runnerRef.runner = runner;
    // The posture may have been lifted while no healer ran (its triggers were consumed then): look once at start.
    lookAtHeldBack('healer started');

    const loop = new ConsumerLoop<StoredEvent>({
      nc: ctx.nc,
      names,
      stream: names.eventsStream,
      durable: 'healer',
      filterSubject: `${names.ns}.events.agent.>`,
      deliverFrom: 'all',
      decode: decodeEvent,
      logger: log,
      registry,
      // Acked once a loop holds the lease (here, or at another instance); nak'ed when this healer is stopping.
      onMessage: (m) => handleTrigger(runner, m.value.envelope),
    });
    await loop.start();

    const sweep = async (): Promise<void> => {
      try {
        for (const agentId of await leases.expired()) {
          const r = await runner.kick(agentId);
          if (r === 'started') log.info({ agentId }, 'resuming a healing whose healer stopped');
        }
      } catch (e) {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'lease sweep failed');
      }
    };
    let sweeping = false;
    const sweepTimer = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void sweep().finally(() => (sweeping = false));
    }, settings.sweepMs);
    sweepTimer.unref();
    void sweep();

    const stopHeartbeat = startHeartbeat(ctx.nc, names, 'healer', instance);
    log.info({ instance, ...settings }, 'healer ready');
    return new HealerService(ctx, loop, runner, leases, posture, patterns, sweepTimer, stopHeartbeat);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.stopHeartbeat();
    // The runner first: its loops stop at once (a probation being judged is abandoned, its lease left to expire
    // so another instance resumes it); triggers still consumed meanwhile are not started.
    await this.runner.stop();
    await this.loop.stop();
    await this.leases.stop();
    this.posture.stop();
    await this.patterns.stop();
    await this.ctx.nc.drain().catch(() => undefined);
  }
}
