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
    const registered = await Promise.all([...firstSeen.values()].map((v) => this.register(v)));
    return { accepted, rejected, registered: registered.filter((x): x is string => x !== null) };
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
    if (!reply.ok) throw new Error(`registering ${v.agentId} failed: ${reply.error.code} ${reply.error.detail}`);
    this.known.add(v.agentId);
    return reply.eventTypes.includes('AgentRegistered') ? v.agentId : null;
  }
}
