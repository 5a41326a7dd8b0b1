/**
 * Healing: (1) time from an operator's approval (`POST /approvals/{id}/approve`) to the agent's status `active`
 * in the status KV, for a cooperative agent (acknowledges at once, works one task every `--vital-ms`, 5 healthy
 * vitals pass probation); (2) healer throughput with `--agents` (default 1,000) quarantined at once, all
 * cooperative: from the first quarantine to the last release.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KvEntry } from '@nats-io/kv';
import { names as namesOf, type AgentChannelRequest, type Names } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';
import { stats } from '../commands/command-latency.bench';

const flag = (flags: string[], name: string, fallback: number): number => Number(flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

/** Cooperative agents: ack every action, publish a healthy vital every `vitalMs` while restricted (on probation). */
class Fleet {
  private readonly restricted = new Set<string>();
  /** Agents that work whatever the status KV says (isolates the healer from the status sync's lag). */
  readonly eager = new Set<string>();
  readonly activeAt = new Map<string, number>();
  /** When the log got each agent's AgentReleased (core subscription to the event subjects). */
  readonly releasedInLogAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    public vitalMs: number,
  ) {}

  async start(): Promise<void> {
    // One wildcard responder stands in for every agent's channel.
    this.nc.subscribe(`${this.names.ns}.agents.*.commands`, {
      callback: (_e, msg) => {
        const req = msg.json<AgentChannelRequest>();
        msg.respond(JSON.stringify({ commandId: req.commandId, ok: true, detail: `${req.action} done` }));
      },
    });
    this.nc.subscribe(`${this.names.ns}.events.agent.*`, {
      callback: (_e, msg) => {
        const envelope = msg.json<{ type: string; aggregateId: string }>();
        if (envelope.type === 'AgentReleased') {
          this.releasedInLogAt.set(envelope.aggregateId, performance.now());
          this.eager.delete(envelope.aggregateId);
        }
      },
    });
    const kv = await new Kvm(this.nc).open(this.names.statusBucket);
    const watch = await kv.watch({ key: '>' });
    void (async () => {
      for await (const e of watch as AsyncIterable<KvEntry>) {
        if (e.operation !== 'PUT') continue;
        const status = e.json<{ status: string }>().status;
        // Released = active right after probation (the `active` of registration does not count).
        if (status === 'active' && this.restricted.has(e.key)) this.activeAt.set(e.key, performance.now());
        if (status === 'restricted') this.restricted.add(e.key);
        else this.restricted.delete(e.key);
      }
    })();
    const tick = (): void => {
      for (const agentId of new Set([...this.restricted, ...this.eager])) {
        this.nc.publish(this.names.vitals(agentId), JSON.stringify({ agentId, latencyMs: 800, inputTokens: 1200, outputTokens: 300, toolCalls: 3, retries: 0, success: true }));
      }
      this.timer = setTimeout(tick, this.vitalMs);
    };
    this.timer = setTimeout(tick, this.vitalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

async function command(nc: NatsConnection, names: Names, agentId: string, id: string, command: Record<string, unknown>, actor: string): Promise<void> {
  const reply = (await nc.request(names.agentCommands, JSON.stringify({ commandId: id, agentId, actor, command }), { timeout: 30_000 })).json<{ ok: boolean; error?: unknown }>();
  if (!reply.ok) throw new Error(`${String(command['type'])} ${agentId}: ${JSON.stringify(reply.error)}`);
}

async function infect(nc: NatsConnection, names: Names, agentId: string, requiresApproval: boolean): Promise<void> {
  await command(nc, names, agentId, `reg-${agentId}`, { type: 'RegisterAgent', model: 'bench', agentType: 'worker' }, 'telemetry');
  await command(nc, names, agentId, `inf-${agentId}`, {
    type: 'ReportInfection', detectionId: `d-${agentId}`, quarantineId: `q-${agentId}`, anomalies: [{ type: 'token_spike', metric: 'tokens', sigma: requiresApproval ? 7 : 4 }],
    deviation: requiresApproval ? 7 : 4, severity: requiresApproval ? 'high' : 'medium', diagnoses: [{ hypothesis: 'prompt_drift', confidence: 0.85 }],
    requiresApproval, enforce: true, fleetWide: false, forensic: null,
  }, 'sentinel');
}

export async function benchHealing(flags: string[]): Promise<Record<string, unknown>> {
  const approvals = flag(flags, 'approvals', 40);
  const agents = flag(flags, 'agents', 1000);
  const vitalMs = flag(flags, 'vital-ms', 50);
  // 1,000 agents on probation at 50 ms would be 20,000 vitals/s from this one process: the mass run works slower.
  const massVitalMs = flag(flags, 'mass-vital-ms', 200);
  const stack: Stack = await startStack(['quarantine', 'projector', 'healer', 'gateway']);
  const nc = await testNats();
  try {
    const names = namesOf(stack.env.namespace);
    const fleet = new Fleet(nc, names, vitalMs);
    await fleet.start();

    // (1) approval → release, one agent at a time
    const latencies: number[] = [];
    for (let i = 0; i < approvals; i++) {
      const id = `appr-${i}`;
      await infect(nc, names, id, true);
      await eventually(async () => (await api(stack, 'GET', `/api/v1/agents/${id}`, { key: stack.keys.viewer })).body?.quarantine?.approval === 'pending', 10_000, 20);
      const t0 = performance.now();
      const res = await api(stack, 'POST', `/api/v1/approvals/${id}/approve`, { key: stack.keys.operator, body: {} });
      if (res.status !== 200) throw new Error(`approve answered ${res.status}`);
      const at = await eventually(async () => fleet.activeAt.get(id), 30_000, 2);
      latencies.push(at - t0);
    }

    // (2) `agents` quarantined at once (automatic, below the approval threshold)
    const ids = Array.from({ length: agents }, (_, i) => `mass-${i}`);
    fleet.vitalMs = massVitalMs;
    // --eager: the agents keep working while suspended (not what the contract asks), so the time measures the
    // healer and the quarantine service's commands, not how fast the status KV tells agents they are on probation.
    if (flags.includes('--eager')) for (const id of ids) fleet.eager.add(id);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < ids.length) await infect(nc, names, ids[next++]!, false);
    }));
    const quarantinedIn = performance.now() - t0;
    await eventually(async () => ids.every((id) => fleet.activeAt.has(id)), 600_000, 100);
    const last = Math.max(...ids.map((id) => fleet.activeAt.get(id) ?? 0));
    const seconds = (last - t0) / 1000;
    const perAgent = stats(ids.map((id) => (fleet.activeAt.get(id) ?? 0) - t0));
    const inLog = stats(ids.map((id) => (fleet.releasedInLogAt.get(id) ?? last) - t0));
    fleet.stop();

    const result = {
      approvalToRelease: { vitalEveryMs: vitalMs, probationVitals: 5, ...stats(latencies) },
      massHealing: { agents, eager: flags.includes('--eager'), vitalEveryMs: massVitalMs, quarantineSeconds: Math.round(quarantinedIn) / 1000, allReleasedSeconds: Math.round(seconds * 100) / 100, agentsPerSecond: Math.round(agents / seconds), releasedAfterMs: perAgent, releasedInLogAfterMs: inLog },
    };
    process.stdout.write(
      `healing: approval→release p50 ${result.approvalToRelease.p50} ms p99 ${result.approvalToRelease.p99} ms (vital every ${vitalMs} ms); ` +
        `${agents} agents quarantined at once all released in ${result.massHealing.allReleasedSeconds} s (${result.massHealing.agentsPerSecond} agents/s, vital every ${massVitalMs} ms); AgentReleased in the log p50 ${inLog.p50} ms, last ${inLog.max} ms\n`,
    );
    return result;
  } catch (e) {
    process.stderr.write(`${stack.logs().slice(-8000)}\n`);
    throw e;
  } finally {
    await nc.close();
    await stack.stop();
  }
}
