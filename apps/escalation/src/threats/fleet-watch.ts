import type { StoredEvent } from '@immune/contracts';
import type { ThreatSighting } from '@immune/domain-escalation';

export interface ExpiringQuarantine {
  agentId: string;
  quarantineId: string;
  expiresAt: number;
}

/**
 * What the escalation service needs of the agents' events: the fleet's size (registered, not terminated), the
 * fleet-wide anomalies (`AnomalyDetected` with `data.fleetWide`) and the open quarantines that expire.
 */
export class FleetWatch {
  private readonly agents = new Set<string>();
  private readonly terminated = new Set<string>();
  /** Last stream sequence of each agent's events (its version, for ReleaseAgent's expectedVersion). */
  readonly versions = new Map<string, number>();
  readonly expiring = new Map<string, ExpiringQuarantine>();
  private sightings: Array<ThreatSighting & { detectionId: string }> = [];
  lastThreatAt: number | null = null;

  constructor(private readonly keepMs: number) {}

  get fleetSize(): number {
    return this.agents.size;
  }

  /** Applies an agent event; returns whether the expiring quarantines changed. */
  apply(e: StoredEvent): boolean {
    const env = e.envelope;
    if (env.aggregate !== 'agent') return false;
    const agentId = env.aggregateId;
    this.versions.set(agentId, e.seq);
    const d = (typeof env.data === 'object' && env.data !== null ? env.data : {}) as Record<string, unknown>;
    switch (env.type) {
      case 'AgentRegistered':
        if (!this.terminated.has(agentId)) this.agents.add(agentId);
        return false;
      case 'AgentTerminated':
        this.agents.delete(agentId);
        this.terminated.add(agentId);
        return this.expiring.delete(agentId);
      case 'AgentReleased':
        return this.expiring.delete(agentId);
      case 'AgentQuarantined': {
        const expiresAt = typeof d['expiresAt'] === 'string' ? Date.parse(d['expiresAt']) : NaN;
        const quarantineId = typeof d['quarantineId'] === 'string' ? d['quarantineId'] : null;
        if (quarantineId !== null && Number.isFinite(expiresAt)) {
          this.expiring.set(agentId, { agentId, quarantineId, expiresAt });
          return true;
        }
        return this.expiring.delete(agentId);
      }
      case 'AnomalyDetected': {
        if (d['fleetWide'] !== true) return false;
        const at = Date.parse(env.occurredAt);
        if (!Number.isFinite(at)) return false;
        this.sightings.push({ agentId, at, detectionId: typeof d['detectionId'] === 'string' ? d['detectionId'] : env.id });
        this.lastThreatAt = Math.max(this.lastThreatAt ?? at, at);
        return false;
      }
      default:
        return false;
    }
  }

  /** The sightings within `keepMs` of `now` (older ones are dropped for good). */
  recent(now: number): ReadonlyArray<ThreatSighting & { detectionId: string }> {
    if (this.sightings.length > 0 && now - (this.sightings[0]?.at ?? now) > this.keepMs) {
      this.sightings = this.sightings.filter((s) => now - s.at <= this.keepMs);
    }
    return this.sightings;
  }
}
