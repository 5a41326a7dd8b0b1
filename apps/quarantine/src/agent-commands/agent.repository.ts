import { initialState, evolve, type AgentState } from '@immune/domain-quarantine';
import type { AgentEvent, StoredEvent } from '@immune/contracts';
import type { EventStore } from '@immune/platform-jetstream';

/** What the service remembers of one agent: its state, version (last stream sequence) and chain head. */
export interface AgentEntry {
  state: AgentState;
  version: number;
  lastHash: string | null;
  /** Outcomes of commands already applied, by command id (from each event's causationId). */
  commands: Map<string, { version: number; sequences: number[]; eventTypes: string[] }>;
}

const MAX_REMEMBERED_COMMANDS = 256;

/**
 * Loads agents from their event subject and caches them. The cache is only a shortcut: every append states the
 * version it decided on, so a stale entry yields a concurrency error and a reload, never a wrong event.
 */
export class AgentRepository {
  private readonly cache = new Map<string, AgentEntry>();

  constructor(
    private readonly store: EventStore,
    private readonly maxCached = 100_000,
  ) {}

  async load(agentId: string): Promise<AgentEntry> {
    const hit = this.cache.get(agentId);
    if (hit) return hit;
    const { events } = await this.store.readAggregate('agent', agentId);
    const entry = fold(agentId, events);
    this.remember(agentId, entry);
    return entry;
  }

  /**
   * Whether a cached entry still is the agent's latest version. A refusal decided on a stale cache would be
   * wrong (another instance may have changed the agent), so refusals are confirmed against the log first.
   */
  async isCurrent(agentId: string, entry: AgentEntry): Promise<boolean> {
    const last = await this.store.lastOfSubject(this.store.subject('agent', agentId));
    return (last?.seq ?? 0) === entry.version;
  }

  invalidate(agentId: string): void {
    this.cache.delete(agentId);
  }

  /** Applies events this instance just appended. */
  applyAppended(agentId: string, entry: AgentEntry, stored: StoredEvent[]): AgentEntry {
    const next = foldInto(entry, stored);
    this.remember(agentId, next);
    return next;
  }

  private remember(agentId: string, entry: AgentEntry): void {
    if (this.cache.size >= this.maxCached && !this.cache.has(agentId)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(agentId, entry);
  }
}

export function fold(agentId: string, events: StoredEvent[]): AgentEntry {
  return foldInto({ state: initialState(agentId), version: 0, lastHash: null, commands: new Map() }, events);
}

function foldInto(entry: AgentEntry, events: StoredEvent[]): AgentEntry {
  let { state, version, lastHash } = entry;
  const commands = new Map(entry.commands);
  for (const e of events) {
    state = evolve(state, { type: e.envelope.type, data: e.envelope.data } as AgentEvent, e.envelope.occurredAt);
    version = e.seq;
    lastHash = e.envelope.hash;
    const prior = commands.get(e.envelope.causationId);
    commands.set(e.envelope.causationId, {
      version: e.seq,
      sequences: [...(prior?.sequences ?? []), e.seq],
      eventTypes: [...(prior?.eventTypes ?? []), e.envelope.type],
    });
  }
  while (commands.size > MAX_REMEMBERED_COMMANDS) {
    const oldest = commands.keys().next().value;
    if (oldest === undefined) break;
    commands.delete(oldest);
  }
  return { state, version, lastHash, commands };
}
