import type { KV } from '@nats-io/kv';
import {
  NO_RESTRICTIONS,
  type AgentStatus,
  type EventEnvelope,
  type Restrictions,
  type StoredEvent,
} from '@immune/contracts';

/** The value agents watch in `{ns}_agent_status` (CONTRACT.md, "What agents receive"). */
export interface AgentStatusRecord {
  status: AgentStatus;
  restrictions: Restrictions;
  version: number;
}

/**
 * The status an event leaves its agent in, or null when the event does not change it. Every status-changing
 * event carries its restrictions, so the KV can follow the log without the agent's history.
 */
export function statusAfter(envelope: EventEnvelope, seq: number): AgentStatusRecord | null {
  const data = envelope.data as { restrictions?: Restrictions; level?: AgentStatus; toLevel?: AgentStatus } | null;
  switch (envelope.type) {
    case 'AgentRegistered':
      return { status: 'active', restrictions: { ...NO_RESTRICTIONS }, version: seq };
    case 'AgentQuarantined':
      return data?.level && data.restrictions ? { status: data.level, restrictions: data.restrictions, version: seq } : null;
    case 'QuarantineEscalated':
      return data?.toLevel && data.restrictions ? { status: data.toLevel, restrictions: data.restrictions, version: seq } : null;
    case 'AgentReleased':
      return { status: 'active', restrictions: data?.restrictions ?? { ...NO_RESTRICTIONS }, version: seq };
    case 'AgentTerminated':
      return { status: 'terminated', restrictions: data?.restrictions ?? allRestricted(), version: seq };
    // Healing: probation and a healed agent awaiting release are `restricted` (probation flag in the
    // restrictions), a failed action `suspended` again.
    case 'HealingProbationStarted':
    case 'HealingActionSucceeded':
      return data?.restrictions ? { status: 'restricted', restrictions: data.restrictions, version: seq } : null;
    case 'HealingActionFailed':
      return data?.restrictions ? { status: 'suspended', restrictions: data.restrictions, version: seq } : null;
    default:
      return null;
  }
}

function allRestricted(): Restrictions {
  return { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false };
}

/** What this writer last saw of a key: its revision (null when absent or deleted) and the version it holds. */
interface KnownStatus {
  revision: number | null;
  version: number;
}

/**
 * Writes status changes to the KV bucket with compare-and-set, never letting an older event (a redelivery)
 * overwrite a newer status: the stored `version` only grows.
 *
 * It remembers the revision and version of each key it last read or wrote, so a status change is one
 * compare-and-set, not a read and a write. The memory is only a guess: when another writer (another instance)
 * moved the key, the compare-and-set fails, and the key is read again. A remembered version is a lower bound of
 * the stored one (versions only grow), so "stale" judged from it is right.
 */
export class AgentStatusSync {
  private readonly known = new Map<string, KnownStatus>();

  constructor(
    private readonly kv: KV,
    private readonly maxKnown = 100_000,
  ) {}

  async apply(event: StoredEvent): Promise<'written' | 'unchanged' | 'stale'> {
    const agentId = event.envelope.agentId ?? event.envelope.aggregateId;
    const next = statusAfter(event.envelope, event.seq);
    if (!next || event.envelope.aggregate !== 'agent') return 'unchanged';
    for (let attempt = 0; attempt < 50; attempt++) {
      const known = this.known.get(agentId) ?? (await this.read(agentId));
      if (known.version >= next.version) return 'stale';
      try {
        const body = JSON.stringify(next);
        const revision = known.revision !== null ? await this.kv.update(agentId, body, known.revision) : await this.kv.create(agentId, body);
        this.remember(agentId, { revision, version: next.version });
        return 'written';
      } catch (e) {
        this.known.delete(agentId);
        if (isWrongRevision(e)) {
          // someone wrote in between: back off a little (jittered, so racing writers spread out) and look again
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 2 * Math.min(attempt, 10)));
          continue;
        }
        throw e;
      }
    }
    throw new Error(`could not write the status of ${agentId}: too many concurrent writers`);
  }

  private async read(agentId: string): Promise<KnownStatus> {
    const current = await this.kv.get(agentId);
    if (current === null || current.operation !== 'PUT') return { revision: null, version: -1 };
    const prev = safeParse(current.string());
    return { revision: current.revision, version: prev && typeof prev.version === 'number' ? prev.version : -1 };
  }

  private remember(agentId: string, known: KnownStatus): void {
    if (this.known.size >= this.maxKnown && !this.known.has(agentId)) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(agentId, known);
  }
}

function safeParse(s: string): Partial<AgentStatusRecord> | null {
  try {
    return JSON.parse(s) as Partial<AgentStatusRecord>;
  } catch {
    return null;
  }
}

function isWrongRevision(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { api_error?: { err_code?: number } })?.api_error?.err_code;
  return code === 10071 || /wrong last sequence|key exists/i.test(msg);
}
