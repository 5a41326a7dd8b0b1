// Helpers for the healer's specs: a cooperative test agent speaking the contract with raw NATS, and commands.
// Named *.spec.ts so the build leaves it out; not *.int.spec.ts, so jest does not run it as a suite.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { AgentChannelRequest, AgentCommandBody, AgentCommandReply, HealingAction, Names } from '@immune/contracts';

export interface TestAgentOptions {
  /** How the agent answers an action (default: ok). */
  answer?: (req: AgentChannelRequest) => { ok: boolean; detail?: string } | 'silent';
  /** Publishes healthy vitals every `vitalEveryMs` while on probation (default 100 ms); false = never. */
  vitalEveryMs?: number | false;
  /** A vital this agent publishes (default: an ordinary healthy one). */
  vital?: (agentId: string, after: HealingAction | null) => Record<string, unknown>;
}

/** An agent as the contract describes it: answers commands on its channel, publishes vitals while it works. */
export class TestAgent {
  readonly received: AgentChannelRequest[] = [];
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  lastAction: HealingAction | null = null;
  publishing = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    readonly agentId: string,
    private readonly opts: TestAgentOptions = {},
  ) {}

  start(): this {
    this.sub = this.nc.subscribe(this.names.agentChannel(this.agentId), {
      callback: (_e, msg) => {
        const req = msg.json<AgentChannelRequest>();
        this.received.push(req);
        const answer = this.opts.answer?.(req) ?? { ok: true, detail: `${req.action} done` };
        if (answer === 'silent') return;
        this.lastAction = req.action;
        msg.respond(JSON.stringify({ commandId: req.commandId, ...answer }));
      },
    });
    const every = this.opts.vitalEveryMs ?? 100;
    if (every !== false) {
      this.timer = setInterval(() => {
        if (!this.publishing) return;
        const v = this.opts.vital?.(this.agentId, this.lastAction) ?? healthyVital(this.agentId);
        this.nc.publish(this.names.vitals(this.agentId), JSON.stringify(v));
      }, every);
    }
    return this;
  }

  stop(): void {
    this.sub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
  }
}

export function healthyVital(agentId: string): Record<string, unknown> {
  return { agentId, latencyMs: 800, inputTokens: 1200, outputTokens: 300, toolCalls: 3, retries: 0, success: true, costUsd: 0.02, promptHash: 'p-usual' };
}

let commandSeq = 0;

/** Sends one agent command to the quarantine service and returns its reply. */
export async function sendCommand(nc: NatsConnection, names: Names, agentId: string, command: AgentCommandBody, actor = 'spec'): Promise<AgentCommandReply> {
  const msg = await nc.request(names.agentCommands, JSON.stringify({ commandId: `spec-${process.pid}-${++commandSeq}-${Date.now()}`, agentId, actor, command }), { timeout: 10_000 });
  return msg.json<AgentCommandReply>();
}

/** Registers the agent and quarantines it as the sentinel would (suspended, automatic), optionally asking for approval. */
export async function infect(nc: NatsConnection, names: Names, agentId: string, opts: { requiresApproval?: boolean; hypothesis?: string } = {}): Promise<void> {
  await sendCommand(nc, names, agentId, { type: 'RegisterAgent', model: 'test', agentType: 'worker' }, 'telemetry');
  const reply = await sendCommand(
    nc,
    names,
    agentId,
    {
      type: 'ReportInfection',
      detectionId: `d-${agentId}`,
      quarantineId: `q-${agentId}-${Date.now()}`,
      anomalies: [{ type: 'token_spike', metric: 'tokens', sigma: opts.requiresApproval ? 7 : 4 }],
      deviation: opts.requiresApproval ? 7 : 4,
      severity: opts.requiresApproval ? 'high' : 'medium',
      diagnoses: [{ hypothesis: opts.hypothesis ?? 'memory_corruption', confidence: 0.65 }],
      requiresApproval: opts.requiresApproval ?? false,
      enforce: true,
      fleetWide: false,
      forensic: null,
    },
    'sentinel',
  );
  if (!reply.ok) throw new Error(`infect ${agentId}: ${JSON.stringify(reply.error)}`);
}
