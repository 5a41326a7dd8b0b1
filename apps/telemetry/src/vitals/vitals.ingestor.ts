import type { NatsConnection } from '@nats-io/transport-node';
import {
  checkVitalBytes,
  rejectedVital,
  type AgentCommandReply,
  type AgentCommandRequest,
  type Names,
  type Vital,
} from '@immune/contracts';

export interface RawVital {
  subject: string;
  data: Uint8Array;
  /** When the stream stored it (epoch ms). */
  storedAtMs: number;
}

export interface CheckResult {
  accepted: Vital[];
  rejected: number;
  /** The first valid vital of each agent not known yet (to register). */
  firstSeen: Vital[];
}

/** How long an agent refused for closed registration waits before its vitals ask again. */
const REGISTRATION_RETRY_MS = 30_000;

export interface IngestResult {
  accepted: Vital[];
  rejected: number;
  registered: string[];
}

/**
 * The telemetry hot path: one parse and one validation per vital, no per-vital database write. Unknown agents
 * are registered through the quarantine service with a deterministic command id, so a redelivered batch or a
 * second telemetry instance registers each agent once.
 */
export class VitalsIngestor {
  private readonly known = new Set<string>();
  /** Agents refused because registration is closed (posture phoenix and above), with when: asked again after a while. */
  private readonly refused = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly commandTimeoutMs = 5000,
  ) {}

  /** Agents already registered (e.g. the keys of the status bucket at start). */
  remember(agentIds: Iterable<string>): void {
    for (const id of agentIds) this.known.add(id);
  }

  async ingest(batch: RawVital[]): Promise<IngestResult> {
    const checked = this.check(batch);
    const registered = await this.registerAll(checked.firstSeen);
    return { accepted: checked.accepted, rejected: checked.rejected, registered };
  }

  /**
   * The synchronous part (the hot path): parse and validate each vital once, publish the invalid ones with
   * their reason, and list the first vital of each agent not yet known.
   */
  check(batch: readonly RawVital[]): CheckResult {
    const accepted: Vital[] = [];
    let rejected = 0;
    const firstSeen = new Map<string, Vital>();
    const prefix = `${this.names.ns}.vitals.`;
    for (const m of batch) {
      const subjectAgent = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : null;
      const check = checkVitalBytes(m.data, subjectAgent, m.storedAtMs);
      if (!check.ok) {
        rejected++;
        this.nc.publish(this.names.rejectedVitals, this.encoder.encode(JSON.stringify(rejectedVital(check.reason, m.subject, m.data))));
        continue;
      }
      accepted.push(check.vital);
      if (!this.known.has(check.vital.agentId) && !firstSeen.has(check.vital.agentId)) firstSeen.set(check.vital.agentId, check.vital);
    }
    return { accepted, rejected, firstSeen: [...firstSeen.values()] };
  }

  /**
   * Registers the agents of these vitals (one command each, at most `concurrency` in flight, so a burst of new
   * agents does not time out in the quarantine service's queue); answers the ids newly registered. Throws after
   * trying all of them if any failed (those stay unknown: registered at their next vital or on a retry).
   */
  async registerAll(firstSeen: readonly Vital[], concurrency = 64): Promise<string[]> {
    if (firstSeen.length === 0) return [];
    const registered: string[] = [];
    let failure: unknown = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < firstSeen.length) {
        const v = firstSeen[next++] as Vital;
        if (this.known.has(v.agentId)) continue;
        const refusedAt = this.refused.get(v.agentId);
        if (refusedAt !== undefined && Date.now() - refusedAt < REGISTRATION_RETRY_MS) continue;
        try {
          const id = await this.register(v);
          if (id !== null) registered.push(id);
        } catch (e) {
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, firstSeen.length) }, worker));
    if (failure !== null) throw failure;
    return registered;
  }

  private async register(v: Vital): Promise<string | null> {
    const request: AgentCommandRequest = {
      commandId: `register:${v.agentId}`,
      agentId: v.agentId,
      actor: 'telemetry',
      command: { type: 'RegisterAgent', model: v.model, agentType: v.agentType, mcpServers: v.mcpServers },
    };
    const msg = await this.nc.request(this.names.agentCommands, this.encoder.encode(JSON.stringify(request)), { timeout: this.commandTimeoutMs });
    const reply = msg.json<AgentCommandReply>();
    if (!reply.ok && reply.error.code === 'AGENT.REGISTRATION_CLOSED') {
      // Not a failure to retry: the posture admits no new agents. Say so where rejected vitals go, once a while.
      this.refused.set(v.agentId, Date.now());
      const reason = `agent ${v.agentId} is not registered: the fleet posture admits no new agents until it is lowered`;
      this.nc.publish(this.names.rejectedVitals, this.encoder.encode(JSON.stringify(rejectedVital(reason, this.names.vitals(v.agentId), this.encoder.encode(JSON.stringify(v))))));
      return null;
    }
    this.refused.delete(v.agentId);
    if (!reply.ok) throw new Error(`registering ${v.agentId} failed: ${reply.error.code} ${reply.error.detail}`);
    this.known.add(v.agentId);
    return reply.eventTypes.includes('AgentRegistered') ? v.agentId : null;
  }
}
