import type { Vital } from '@immune/contracts';

/**
 * The newest vitals of each agent this instance has read (a ring of `perAgent`), for the dashboard and
 * forensic looks. It holds references to the vitals already parsed on the hot path: no copy, no I/O.
 * Agents silent for longest are dropped first when more than `maxAgents` are held.
 */
export class RecentVitals {
  private readonly rings = new Map<string, Vital[]>();

  constructor(
    private readonly perAgent = 20,
    private readonly maxAgents = 100_000,
  ) {}

  get agents(): number {
    return this.rings.size;
  }

  add(v: Vital): void {
    let ring = this.rings.get(v.agentId);
    if (ring === undefined) {
      if (this.rings.size >= this.maxAgents) {
        const oldest = this.rings.keys().next();
        if (!oldest.done) this.rings.delete(oldest.value);
      }
      ring = [];
      this.rings.set(v.agentId, ring);
    } else {
      // Map order = least recently heard first: move the agent to the end.
      this.rings.delete(v.agentId);
      this.rings.set(v.agentId, ring);
    }
    ring.push(v);
    if (ring.length > this.perAgent) ring.shift();
  }

  /** Newest last; empty when the agent is not held here. */
  of(agentId: string): readonly Vital[] {
    return this.rings.get(agentId) ?? [];
  }
}
