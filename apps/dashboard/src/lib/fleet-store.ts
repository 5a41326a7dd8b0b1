import { compareAgents } from './filters';
import type { Agent, LogEvent } from './types';

/**
 * Every agent the dashboard knows, kept current by the live feed: a registration is applied from the event's
 * summary; any other event of an agent marks it for a reload (the feed sends an event only once the read
 * models include it, so the reload sees it). Listeners are told at most once per `notifyMs`.
 */
export class FleetStore {
  private readonly agents = new Map<string, Agent>();
  private sorted: Agent[] | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  version = 0;

  constructor(private readonly notifyMs = 150) {}

  get size(): number {
    return this.agents.size;
  }

  get(id: string): Agent | undefined {
    return this.agents.get(id);
  }

  /** Agents in display order (quarantined first). */
  all(): Agent[] {
    this.sorted ??= [...this.agents.values()].sort(compareAgents);
    return this.sorted;
  }

  replaceAll(list: Agent[]): void {
    this.agents.clear();
    for (const a of list) this.agents.set(a.agentId, a);
    this.dirty.clear();
    this.changed();
  }

  /** Keeps the newer of the known and the given view. */
  upsert(a: Agent): void {
    const known = this.agents.get(a.agentId);
    if (known && known.version > a.version) return;
    this.agents.set(a.agentId, a);
    this.changed();
  }

  /** Applies a live event; returns the agent to reload, if any. */
  applyEvent(e: LogEvent): string | null {
    if (!e.agentId) return null;
    if (e.type === 'AgentRegistered' && !this.agents.has(e.agentId)) {
      const s = e.summary ?? {};
      this.agents.set(e.agentId, {
        agentId: e.agentId,
        status: 'active',
        restrictions: {},
        quarantine: null,
        baseline: null,
        lastVitalAt: null,
        model: typeof s['model'] === 'string' ? s['model'] : null,
        agentType: typeof s['agentType'] === 'string' ? s['agentType'] : null,
        mcpServers: Array.isArray(s['mcpServers']) ? (s['mcpServers'] as string[]) : [],
        registeredAt: e.occurredAt,
        version: e.seq,
      });
      this.changed();
      return null;
    }
    this.dirty.add(e.agentId);
    return e.agentId;
  }

  /** Agents marked by events since the last call. */
  takeDirty(): string[] {
    const ids = [...this.dirty];
    this.dirty.clear();
    return ids;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.sorted = null;
    this.version++;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      for (const fn of [...this.listeners]) fn();
    }, this.notifyMs);
  }
}
