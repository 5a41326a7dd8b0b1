import { HEALING_ACTIONS, ImmuneAgent, type AgentStatus, type HealingAction } from '@immune/agent-sdk';
import type { NatsConnection } from '@nats-io/transport-node';
import { cures, type Fault, type FaultKind, type FaultSeverity } from './fleet-sim.faults';
import { vitalFor, type AgentProfile, type Rng } from './fleet-sim.vitals';

/** What a simulated agent tells the fleet about itself. */
export interface SimAgentListener {
  onCommand?(agent: SimAgent, action: HealingAction, curedFault: FaultKind | null): void;
  onStatus?(agent: SimAgent, status: AgentStatus, previous: AgentStatus): void;
  onHealed?(agent: SimAgent, kind: FaultKind, action: HealingAction | null): void;
}

const DETAIL: Readonly<Record<HealingAction, string>> = {
  reset_memory: 'working memory and scratchpad cleared',
  rollback_prompt: 'prompt and model configuration rolled back to the last approved version',
  reduce_autonomy: 'autonomy reduced: single-step plans, no parallel tool calls',
  revoke_tools: 'tool credentials revoked for this session',
  reset_agent: 'agent process restarted from a clean state',
};

/**
 * A simulated agent on the SDK: works (publishes one vital per task) at its own pace while it may, stops
 * while suspended, honours restrictions in its vitals, and answers the five healing actions — curing its
 * fault only when the action is one that cures it (the cure table in fleet-sim.faults.ts).
 */
export class SimAgent {
  fault: Fault | null = null;
  /** The fault cured last and by what, until the agent is active again (then it counts as healed). */
  private pendingHeal: { kind: FaultKind; action: HealingAction | null } | null = null;
  tasks = 0;
  private stopped = false;
  private readonly stop$ = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();

  private constructor(
    readonly profile: AgentProfile,
    readonly sdk: ImmuneAgent,
    private readonly rng: Rng,
    private readonly intervalMs: number,
    private readonly listener: SimAgentListener,
    private readonly now: () => number,
  ) {}

  static async start(opts: {
    nc: NatsConnection;
    namespace: string;
    profile: AgentProfile;
    rng: Rng;
    intervalMs: number;
    listener?: SimAgentListener;
    now?: () => number;
  }): Promise<SimAgent> {
    // handlers are in place before the command channel opens; they reach the agent once it exists
    let agentRef: SimAgent | null = null;
    const handlers = Object.fromEntries(
      HEALING_ACTIONS.map((action) => [action, () => (agentRef ? agentRef.apply(action) : { ok: false, detail: 'the agent is still starting' })]),
    );
    const sdk = await ImmuneAgent.connect({
      handlers,
      agentId: opts.profile.agentId,
      nc: opts.nc,
      namespace: opts.namespace,
      agentType: opts.profile.agentType,
      model: opts.profile.model,
      mcpServers: opts.profile.mcpServers,
      flushIntervalMs: 250,
      statusTimeoutMs: 3000,
    });
    const agent = new SimAgent(opts.profile, sdk, opts.rng, opts.intervalMs, opts.listener ?? {}, opts.now ?? Date.now);
    agentRef = agent;
    sdk.on('status', (c) => agent.statusChanged(c.status, c.previous));
    agent.loopDone = agent.loop();
    return agent;
  }

  get agentId(): string {
    return this.profile.agentId;
  }

  get status(): AgentStatus {
    return this.sdk.status;
  }

  inject(kind: FaultKind, severity: FaultSeverity): void {
    this.fault = { kind, severity, injectedAt: this.now() };
    this.pendingHeal = null;
  }

  /** A transient fault nobody reacted to fades away (the agent was never quarantined for it). */
  expireFault(maxAgeMs: number): FaultKind | null {
    if (!this.fault || this.sdk.status !== 'active' || this.now() - this.fault.injectedAt < maxAgeMs) return null;
    const kind = this.fault.kind;
    this.fault = null;
    return kind;
  }

  /** A healing action: always acknowledged (the agent did it); it cures the fault only if the table says so. */
  private apply(action: HealingAction): string {
    const kind = this.fault?.kind ?? null;
    const cured = kind !== null && cures(kind, action);
    if (cured) {
      this.fault = null;
      this.pendingHeal = { kind, action };
    }
    this.listener.onCommand?.(this, action, cured ? kind : null);
    return DETAIL[action];
  }

  private statusChanged(status: AgentStatus, previous: AgentStatus): void {
    this.listener.onStatus?.(this, status, previous);
    if (status === 'active' && this.pendingHeal) {
      this.listener.onHealed?.(this, this.pendingHeal.kind, this.pendingHeal.action);
      this.pendingHeal = null;
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      // reduced autonomy: no self-initiated follow-up tasks, so the agent works at a slower pace
      const pace = this.sdk.restrictions.autonomyReduced ? 1.3 : 1;
      await sleep(this.intervalMs * pace * (0.7 + 0.6 * this.rng.next()), this.stop$.signal);
      if (this.stopped) break;
      try {
        // Suspended: no work at all until the control plane lets the agent go on (or terminates it).
        await this.sdk.waitUntilRunnable(this.stop$.signal);
        await this.sdk.run(async () => {
          this.sdk.report(vitalFor(this.profile, this.rng, this.fault, this.sdk.restrictions));
          this.tasks++;
        });
      } catch {
        if (this.sdk.status === 'terminated') break;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stop$.abort(new Error('stopping'));
    await this.loopDone;
    await this.sdk.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
