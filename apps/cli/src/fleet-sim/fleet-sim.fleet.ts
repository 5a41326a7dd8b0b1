import type { NatsConnection } from '@nats-io/transport-node';
import { HEALING_ACTIONS, type HealingAction } from '@immune/agent-sdk';
import { FAULT_KINDS, FAULTS, type FaultKind, type FaultSeverity } from './fleet-sim.faults';
import { SimAgent } from './fleet-sim.agent';
import { makeProfile, Rng } from './fleet-sim.vitals';

export interface FleetOptions {
  agents: number;
  chaos: boolean;
  /** Tasks (vitals) per second per agent. */
  rate: number;
  seed: number;
  /** Mean seconds between two injected faults. */
  faultEverySec: number;
  /** Vitals an agent reports before it may be infected (its baseline must be learned first). */
  warmupSamples: number;
  /** Fault kinds chaos picks from (default: all). */
  faults: readonly FaultKind[];
  /** Share of faults (other than the always-severe ones) injected as severe (≥ 5σ: healing needs approval). */
  severeShare: number;
  /** Agent ids are `{prefix}-{type}-{nnn}`. */
  prefix: string;
  /** A fault that nobody quarantined within this time fades away (a transient). */
  transientMs: number;
  /** Chaos pauses while this share of the fleet carries a fault (e.g. awaiting approval), so most keep working. */
  maxInfectedShare: number;
}

export const DEFAULT_FLEET_OPTIONS: FleetOptions = {
  agents: 20,
  chaos: false,
  rate: 1,
  seed: 42,
  faultEverySec: 3,
  warmupSamples: 40,
  faults: FAULT_KINDS,
  severeShare: 0.2,
  prefix: 'sim',
  transientMs: 90_000,
  maxInfectedShare: 0.25,
};

interface FaultCounters {
  injected: number;
  quarantined: number;
  cured: number;
  healed: number;
  faded: number;
}

export interface FleetCounts {
  agents: number;
  active: number;
  probation: number;
  restricted: number;
  suspended: number;
  terminated: number;
  infected: number;
  tasks: number;
  published: number;
  dropped: number;
}

/**
 * A fleet of simulated agents on one NATS connection, with optional chaos: every `faultEverySec` (jittered) a
 * healthy, warmed-up agent gets the next fault of a shuffled round of every kind, so each kind shows up early.
 */
export class Fleet {
  readonly agents: SimAgent[] = [];
  readonly byFault = new Map<FaultKind, FaultCounters>(FAULT_KINDS.map((k) => [k, { injected: 0, quarantined: 0, cured: 0, healed: 0, faded: 0 }]));
  /** Per action: commands received, and how many of them cured a fault (the agents' ground truth). */
  readonly byAction = new Map<HealingAction, { received: number; cured: number }>(HEALING_ACTIONS.map((a) => [a, { received: 0, cured: 0 }]));
  private readonly rng: Rng;
  private chaosTimer: NodeJS.Timeout | null = null;
  private deck: FaultKind[] = [];
  private readonly quarantinedFor = new Set<string>();
  private stopping = false;

  constructor(
    readonly options: FleetOptions,
    private readonly log: (line: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.rng = new Rng(options.seed);
  }

  async start(nc: NatsConnection, namespace: string): Promise<void> {
    const o = this.options;
    const profiles = Array.from({ length: o.agents }, (_, i) => makeProfile(new Rng(o.seed * 7919 + i), i, o.prefix));
    // connect in small groups: each agent opens its status watch
    for (let i = 0; i < profiles.length; i += 25) {
      const group = profiles.slice(i, i + 25);
      const started = await Promise.all(
        group.map((profile, j) =>
          SimAgent.start({
            nc,
            namespace,
            profile,
            rng: new Rng(o.seed * 104729 + i + j),
            intervalMs: 1000 / o.rate,
            now: this.now,
            listener: {
              onCommand: (agent, action, cured) => this.onCommand(agent, action, cured),
              onStatus: (agent, status, previous) => {
                if (previous === 'active' && status !== 'active' && agent.fault && !this.quarantinedFor.has(agent.agentId)) {
                  this.quarantinedFor.add(agent.agentId);
                  this.counter(agent.fault.kind).quarantined++;
                  this.log(`quarantined  ${agent.agentId} (${status}) — it has ${agent.fault.kind}`);
                }
                if (status === 'terminated' && previous !== 'terminated') this.log(`terminated   ${agent.agentId}`);
              },
              onHealed: (agent, kind, action) => {
                this.quarantinedFor.delete(agent.agentId);
                this.counter(kind).healed++;
                this.log(`healed       ${agent.agentId}: ${kind} cured by ${action ?? '?'}, back to active`);
              },
            },
          }),
        ),
      );
      if (this.stopping) {
        await Promise.all(started.map((a) => a.stop()));
        return;
      }
      this.agents.push(...started);
    }
    if (o.chaos) this.scheduleChaos();
  }

  private onCommand(agent: SimAgent, action: HealingAction, cured: FaultKind | null): void {
    const a = this.byAction.get(action)!;
    a.received++;
    if (cured) {
      a.cured++;
      this.counter(cured).cured++;
    }
    this.log(`command      ${agent.agentId}: ${action} → ${cured ? `cures ${cured}` : agent.fault ? `acknowledged, ${agent.fault.kind} persists` : 'acknowledged'}`);
  }

  private counter(kind: FaultKind): FaultCounters {
    return this.byFault.get(kind)!;
  }

  private scheduleChaos(): void {
    const delay = this.options.faultEverySec * 1000 * (0.5 + this.rng.next());
    this.chaosTimer = setTimeout(() => {
      if (this.stopping) return;
      this.chaosTick();
      this.scheduleChaos();
    }, delay);
  }

  /** One chaos step: fade stale transients, then infect one healthy warmed-up agent (if any). */
  chaosTick(): { agentId: string; kind: FaultKind } | null {
    for (const a of this.agents) {
      const faded = a.expireFault(this.options.transientMs);
      if (faded) {
        this.counter(faded).faded++;
        this.log(`faded        ${a.agentId}: ${faded} went unnoticed and passed`);
      }
    }
    const infected = this.agents.filter((a) => a.fault).length;
    if (infected >= Math.max(1, Math.floor(this.options.maxInfectedShare * this.agents.length))) return null;
    const candidates = this.agents.filter((a) => !a.fault && a.status === 'active' && a.tasks >= this.options.warmupSamples);
    if (candidates.length === 0 || this.options.faults.length === 0) return null;
    const agent = this.rng.pick(candidates);
    if (this.deck.length === 0) this.deck = shuffle([...this.options.faults], this.rng);
    const kind = this.deck.pop()!;
    const severity = FAULTS[kind].alwaysSevere || (!FAULTS[kind].neverSevere && this.rng.next() < this.options.severeShare) ? 'severe' : 'mild';
    this.infect(agent, kind, severity);
    return { agentId: agent.agentId, kind };
  }

  /** Injects one fault into one agent (chaos does this; specs and tools may too). */
  infect(agent: SimAgent, kind: FaultKind, severity: FaultSeverity): void {
    agent.inject(kind, severity);
    this.counter(kind).injected++;
    this.log(`infected     ${agent.agentId}: ${kind} (${severity}) — ${FAULTS[kind].story}`);
  }

  counts(): FleetCounts {
    const c: FleetCounts = { agents: this.agents.length, active: 0, probation: 0, restricted: 0, suspended: 0, terminated: 0, infected: 0, tasks: 0, published: 0, dropped: 0 };
    for (const a of this.agents) {
      const s = a.status;
      if (s === 'restricted') {
        if (a.sdk.restrictions.probation) c.probation++;
        else c.restricted++;
      } else c[s]++;
      if (a.fault) c.infected++;
      c.tasks += a.tasks;
      const st = a.sdk.stats;
      c.published += st.published;
      c.dropped += st.dropped;
    }
    return c;
  }

  progressLine(): string {
    const c = this.counts();
    const totals = [...this.byFault.values()].reduce(
      (t, f) => ({ injected: t.injected + f.injected, healed: t.healed + f.healed, cured: t.cured + f.cured }),
      { injected: 0, healed: 0, cured: 0 },
    );
    const quarantined = c.suspended + c.probation + c.restricted;
    return (
      `${c.agents} agents: ${c.active} active, ${quarantined} quarantined (${c.suspended} suspended, ${c.probation} on probation` +
      `${c.restricted ? `, ${c.restricted} restricted` : ''}), ${c.terminated} terminated` +
      (this.options.chaos ? ` │ faults ${totals.injected} injected, ${c.infected} live, ${totals.cured} cured, ${totals.healed} healed` : '') +
      ` │ ${c.published} vitals sent${c.dropped ? `, ${c.dropped} dropped` : ''}`
    );
  }

  summary(): string {
    const lines = [`fleet-sim summary: ${this.progressLine()}`];
    if (this.options.chaos) {
      lines.push('  fault               injected  quarantined  cured  healed  faded   cured only by');
      for (const k of FAULT_KINDS) {
        const f = this.counter(k);
        lines.push(
          `  ${k.padEnd(18)} ${String(f.injected).padStart(9)} ${String(f.quarantined).padStart(12)} ${String(f.cured).padStart(6)} ${String(f.healed).padStart(7)} ${String(f.faded).padStart(6)}   ${FAULTS[k].curedBy.join(', ')}`,
        );
      }
      lines.push('  action             received  cured a fault');
      for (const a of HEALING_ACTIONS) {
        const s = this.byAction.get(a)!;
        lines.push(`  ${a.padEnd(18)} ${String(s.received).padStart(8)}  ${String(s.cured).padStart(13)}`);
      }
    }
    return lines.join('\n');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.chaosTimer) clearTimeout(this.chaosTimer);
    await Promise.all(this.agents.map((a) => a.stop()));
  }
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
