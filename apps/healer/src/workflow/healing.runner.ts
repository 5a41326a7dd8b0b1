import { DEFAULT_POSTURE, postureEffects, type AgentCommandBody, type AgentCommandReply, type AgentEvent, type PostureState, type StoredEvent } from '@immune/contracts';
import { evolve, replay, type AgentState } from '@immune/domain-quarantine';
import {
  actionOutcome,
  exhaustionCommand,
  nextHealingStep,
  releaseAfterProbation,
  type FleetPatterns,
  type HealingPolicy,
  type HealingStep,
} from '@immune/domain-healing';
import type { EventStore, LoopLogger } from '@immune/platform-jetstream';
import type { HealingLeases } from '../leases/healing-leases';
import type { ProbationResult } from '../probation/probation.watcher';
import type { AgentChannelClient } from './agent-channel.client';
import type { AgentCommandsClient } from './agent-commands.client';

/** What the runner needs from the outside world; each piece is a thin adapter (tested against real NATS). */
export interface HealingRunnerDeps {
  store: EventStore;
  /**
   * Every event of one agent, in order, without a consumer (message gets by subject): creating an ordered
   * consumer per read is what the JetStream server serialises when 1,000 agents are healed at once.
   */
  readAgent?: (agentId: string) => Promise<StoredEvent[]>;
  /** One stored event by stream sequence (a direct get, no consumer): follows the runner's own appends. */
  fetchEvent?: (seq: number) => Promise<StoredEvent>;
  leases: HealingLeases;
  commands: AgentCommandsClient;
  channel: AgentChannelClient;
  probation: { judge(agentId: string, signal: { aborted: () => boolean }): Promise<ProbationResult> };
  posture: () => PostureState;
  fleet: () => FleetPatterns;
  policy: HealingPolicy;
  newId: () => string;
  log: LoopLogger;
  metrics?: HealingMetrics;
}

export interface HealingMetrics {
  step(kind: HealingStep['kind'] | 'refused'): void;
  outcome(kind: 'released' | 'healed_awaiting_release' | 'failed' | 'exhausted'): void;
  active(n: number): void;
}

const MAX_STEPS = 64;

/**
 * Drives the healing of agents, one loop per agent while this instance holds its lease: load the agent from the
 * log, ask the domain for the next step, do it (a command to the quarantine service, an action on the agent
 * channel, a probation verdict), and again, until the domain says there is nothing to do. Every step is decided
 * from the log, so a loop that dies anywhere is resumed by whoever takes the lease next: a probation is judged
 * again with a fresh window, an action whose outcome was not recorded is sent again with the same command id.
 */
export class HealingRunner {
  private readonly running = new Map<string, Promise<void>>();
  /** Agents whose lease is being acquired here (a kick in between would take the lease a second time). */
  private readonly acquiring = new Set<string>();
  /** Agents kicked while their loop was finishing here: looked at again once it has ended. */
  private readonly again = new Set<string>();
  /** The state of each agent a loop runs for, with the version and hash it was built to. */
  private readonly cache = new Map<string, { state: AgentState; version: number; lastHash: string | null }>();
  private stopped = false;

  constructor(private readonly deps: HealingRunnerDeps) {}

  /**
   * Something happened to the agent. Starts a loop unless one runs here or another instance holds the lease (its
   * loop re-reads the log after each step and once more after handing the lease back, so the news is not lost).
   */
  async kick(agentId: string): Promise<'started' | 'running' | 'busy' | 'stopped'> {
    if (this.stopped) return 'stopped';
    if (this.running.has(agentId) || this.acquiring.has(agentId)) {
      // The loop may be past its last read (news after it would be lost): look again when it ends.
      this.again.add(agentId);
      return 'running';
    }
    // Two kicks at once (a trigger, the sweep, a posture lift) must not both take the lease (the lease lets its
    // own owner take it over) and run two loops for one agent: the first one acquires, the other waits its turn.
    this.acquiring.add(agentId);
    let acquired: boolean;
    try {
      acquired = await this.deps.leases.acquire(agentId);
    } finally {
      this.acquiring.delete(agentId);
    }
    if (!acquired) {
      this.again.delete(agentId);
      return 'busy';
    }
    const loop = this.loop(agentId).finally(() => {
      this.running.delete(agentId);
      this.cache.delete(agentId);
      if (this.again.delete(agentId) && !this.stopped) void this.kick(agentId).catch(() => undefined);
      this.deps.metrics?.active(this.running.size);
    });
    this.running.set(agentId, loop);
    this.deps.metrics?.active(this.running.size);
    return 'started';
  }

  get active(): number {
    return this.running.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Waits for the loops running now (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async loop(agentId: string): Promise<void> {
    const { leases, log } = this.deps;
    let end: 'done' | 'refused' | 'abandoned' = 'abandoned';
    try {
      for (let i = 0; i < MAX_STEPS; i++) {
        if (this.stopped || !leases.holds(agentId)) break;
        const step = nextHealingStep(await this.load(agentId), this.context());
        this.deps.metrics?.step(step.kind);
        if (step.kind === 'ignore') {
          end = 'done';
          break;
        }
        await this.perform(agentId, step);
      }
    } catch (e) {
      if (e instanceof RefusedError) {
        end = 'refused';
        log.warn({ agentId, command: e.command, code: e.code, detail: e.message }, 'healing command refused; looked at again after the lease');
      } else {
        log.error({ agentId, err: e instanceof Error ? e.message : String(e) }, 'healing step failed; the agent is resumed by the sweep');
      }
    }
    if (end !== 'done' || !leases.holds(agentId)) {
      // Stopped, lease lost, an error, a refusal or too many steps: let the lease expire, and a sweep looks at the
      // agent again from the log one lease later (a refusal usually means an operator acted meanwhile: the next
      // look finds nothing to do; anything else is retried at that pace, never left in limbo, never spinning).
      leases.abandon(agentId);
      return;
    }
    await leases.release(agentId);
    if (!this.stopped) {
      // Something may have happened between the last read and the release: look once more.
      const again = await this.load(agentId).then((s) => nextHealingStep(s, this.context())).catch(() => null);
      if (again !== null && again.kind !== 'ignore') void this.kick(agentId).catch(() => undefined);
    }
  }

  private async perform(agentId: string, step: Exclude<HealingStep, { kind: 'ignore' }>): Promise<void> {
    const { channel, log } = this.deps;
    switch (step.kind) {
      case 'start':
        log.info({ agentId, healingId: step.healingId, trigger: step.trigger, diagnosis: step.diagnosis, plan: step.plan }, 'healing started');
        await this.command(agentId, `${step.healingId}.start`, {
          type: 'StartHealing', healingId: step.healingId, quarantineId: step.quarantineId, diagnosis: step.diagnosis, trigger: step.trigger, plan: step.plan,
        }, step.healingId);
        return;
      case 'send': {
        const reply = await channel.send(agentId, {
          commandId: step.commandId,
          action: step.action,
          params: { agentId, healingId: step.healingId, diagnosis: step.diagnosis, attempt: step.attempt },
        });
        if (!this.deps.leases.holds(agentId)) return;
        const outcome = actionOutcome(reply, channel.timeoutMs);
        if (outcome.kind === 'probation') {
          await this.command(agentId, `${step.commandId}.probation`, {
            type: 'BeginProbation', healingId: step.healingId, action: step.action, attempt: step.attempt, detail: outcome.detail,
          }, step.healingId);
        } else {
          log.info({ agentId, action: step.action, reason: outcome.reason, detail: outcome.detail }, 'healing action failed');
          this.deps.metrics?.outcome('failed');
          await this.command(agentId, `${step.commandId}.failed`, {
            type: 'FailHealingAction', healingId: step.healingId, action: step.action, attempt: step.attempt, reason: outcome.reason, detail: outcome.detail,
          }, step.healingId);
        }
        return;
      }
      case 'judge': {
        const verdict = await this.deps.probation.judge(agentId, { aborted: () => this.stopped || !this.deps.leases.holds(agentId) });
        if (verdict.kind === 'aborted') return;
        const commandId = `${step.healingId}.${step.attempt}.verdict`;
        if (verdict.kind === 'passed') {
          const release = releaseAfterProbation(postureEffects(this.deps.posture().current));
          log.info({ agentId, action: step.action, release }, 'probation passed');
          this.deps.metrics?.outcome(release ? 'released' : 'healed_awaiting_release');
          await this.command(agentId, commandId, {
            type: 'PassProbation', healingId: step.healingId, action: step.action, attempt: step.attempt, vitalsJudged: verdict.vitalsJudged, release,
          }, step.healingId);
        } else {
          log.info({ agentId, action: step.action, reason: verdict.reason, detail: verdict.detail }, 'probation failed');
          this.deps.metrics?.outcome('failed');
          await this.command(agentId, commandId, {
            type: 'FailHealingAction', healingId: step.healingId, action: step.action, attempt: step.attempt, reason: verdict.reason, detail: verdict.detail,
          }, step.healingId);
        }
        return;
      }
      case 'exhaust': {
        log.warn({ agentId, tried: step.tried, escalation: step.escalation }, 'healing exhausted');
        this.deps.metrics?.outcome('exhausted');
        await this.command(agentId, `${step.healingId}.exhausted`, {
          type: 'ExhaustHealing', healingId: step.healingId, tried: step.tried, escalation: step.escalation,
        }, step.healingId);
        const escalate = exhaustionCommand(step.escalation, step.tried);
        if (escalate !== null) await this.command(agentId, `${step.healingId}.terminate`, escalate, step.healingId);
        return;
      }
      default: {
        const unknown: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Sends a command. A refusal ends the loop (RefusedError): the log says why (e.g. an operator released or
   * terminated the agent meanwhile), and the next event about the agent starts a fresh look.
   */
  private async command(agentId: string, commandId: string, command: AgentCommandBody, correlationId: string): Promise<void> {
    const reply: AgentCommandReply = await this.deps.commands.send(agentId, commandId, command, correlationId);
    if (reply.ok) {
      await this.follow(agentId, reply.sequences);
      return;
    }
    this.deps.metrics?.step('refused');
    if (reply.error.code === 'INTERNAL' || reply.error.code === 'CONCURRENCY.CONFLICT') throw new Error(`${command.type}: ${reply.error.code}`);
    throw new RefusedError(command.type, reply.error.code, reply.error.detail);
  }

  /**
   * The agent's state from the log. A loop keeps it between steps and checks it with one direct get of the
   * subject's last event (no consumer): unchanged, or one event further along the hash chain, it is used as is;
   * anything else reads the whole stream again. (A stream read per step made 1,000 healings at once ~4× slower.)
   */
  private async load(agentId: string): Promise<AgentState> {
    const cached = this.cache.get(agentId);
    if (cached) {
      const last = await this.deps.store.lastOfSubject(this.deps.store.subject('agent', agentId));
      if ((last?.seq ?? 0) === cached.version) return cached.state;
      if (last && last.envelope.prevHash === cached.lastHash) {
        const next = { state: evolve(cached.state, last.envelope as unknown as AgentEvent, last.envelope.occurredAt), version: last.seq, lastHash: last.envelope.hash };
        this.cache.set(agentId, next);
        return next.state;
      }
    }
    const events = this.deps.readAgent ? await this.deps.readAgent(agentId) : (await this.deps.store.readAggregate('agent', agentId)).events;
    const tail = events[events.length - 1];
    const version = tail?.seq ?? 0;
    const lastHash = tail?.envelope.hash ?? null;
    const state = replay(events.map((e) => ({ event: e.envelope as unknown as AgentEvent, occurredAt: e.envelope.occurredAt })), agentId);
    if (this.running.has(agentId)) this.cache.set(agentId, { state, version, lastHash });
    return state;
  }

  /** Applies what our own command appended, when it continues the cached chain; otherwise forgets the cache. */
  private async follow(agentId: string, sequences: readonly number[]): Promise<void> {
    const cached = this.cache.get(agentId);
    const fetch = this.deps.fetchEvent;
    if (!cached || !fetch || sequences.length === 0) return;
    try {
      let { state, version, lastHash } = cached;
      for (const seq of sequences) {
        const e = await fetch(seq);
        if (e.envelope.prevHash !== lastHash || e.envelope.aggregateId !== agentId) {
          this.cache.delete(agentId);
          return;
        }
        state = evolve(state, e.envelope as unknown as AgentEvent, e.envelope.occurredAt);
        version = e.seq;
        lastHash = e.envelope.hash;
      }
      this.cache.set(agentId, { state, version, lastHash });
    } catch {
      this.cache.delete(agentId);
    }
  }

  private context() {
    return {
      posture: postureEffects((this.deps.posture() ?? DEFAULT_POSTURE).current),
      fleet: this.deps.fleet(),
      policy: this.deps.policy,
      newHealingId: this.deps.newId(),
    };
  }
}

class RefusedError extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}
